// The `sqlite[@GLOB]` checker: every matching database, with the
// `-journal` / `-wal` files beside it in the same state, opens with
// libsqlite3 (which rolls a hot journal back or replays the WAL, as a real
// reader would), `PRAGMA integrity_check` answers "ok", and every row the
// acked state's database holds (transactions committed, hence fsynced,
// before the crash point) is still there.
//
// It lives in cli/ because libsqlite3 opens real files: each version is
// written to a private scratch directory on tmpfs.  Verdicts are cached per
// (database, journal, wal, acked versions) content hashes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "checkers/checker.h"

namespace crashfs::cli {

// `globs` match database paths (default: **/*.db, **/*.sqlite, **/*.sqlite3).
std::unique_ptr<Checker> make_sqlite_checker(std::vector<std::string> globs);

}  // namespace crashfs::cli
