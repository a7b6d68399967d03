// The `sqlite[@GLOB]` checker: every matching database, with the
// `-journal` / `-wal` files beside it in the same state, opens with
// libsqlite3 (which rolls a hot journal back or replays the WAL, as a real
// reader would), `PRAGMA integrity_check` answers "ok", and every row the
// acked state's database holds (transactions committed, hence fsynced,
// before the crash point) is still there.
//
// libsqlite3 opens real files: each version is written to a private
// scratch directory (checker_host.h; host/scratch_dir.h puts it on tmpfs).  Verdicts are cached per
// (database, journal, wal, acked versions) content hashes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "checkers/checker_host.h"

namespace crashfs {

// `globs` match database paths (default: **/*.db, **/*.sqlite, **/*.sqlite3).
// `make_scratch` gives the private directory, made at the first database.
std::unique_ptr<Checker> make_sqlite_checker(std::vector<std::string> globs, ScratchFactory make_scratch);

}  // namespace crashfs
