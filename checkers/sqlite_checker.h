// The `sqlite[@GLOB]` checker, on the oracle (view_oracle.h): each
// matching database is a unit, read with the `-journal` / `-wal` files
// beside it in the same state, on a private copy, as an application's
// libsqlite3 reads it (a hot journal is rolled back, the WAL replayed).
//   integrity  it opens and `PRAGMA integrity_check` answers "ok"
//              (otherwise "corrupt-database");
//   view       user_version, the schema (sqlite_master) and every table's
//              rows, sorted;
//   history and durability as the oracle says: the view is one the
//              crash-free run passed through, and not older than the latest
//              acknowledgement (--ack: e.g. a line the workload prints after
//              each COMMIT returns).  An fsync of one of the files
//              acknowledges nothing by itself: SQLite decides what is
//              committed.
// libsqlite3 opens real files: each version is written to a private
// scratch directory (checker_host.h; host/scratch_dir.h puts it on tmpfs).
// Results are cached per (database, journal, wal) content.
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
