// The `sqlite[@GLOB]` checker, on the oracle (view_oracle.h): each
// matching database is a unit, read with the `-journal` / `-wal` files
// beside it in the same state as an application's libsqlite3 reads it (a
// hot journal is rolled back, the WAL replayed; sqlite_view.h).
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
// libsqlite3 reads each state from memory through a VFS of ours
// (sqlite_memory_vfs.h): no copy, nothing written to disk, SQLite's own
// recovery on a copy-on-write view of the state's bytes.  Results are
// cached per (database, -journal, -wal) content, and per what else SQLite
// looked up (a super-journal a hot journal names).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "checkers/checker.h"

namespace crashfs {

// `globs` match database paths (default: **/*.db, **/*.sqlite, **/*.sqlite3).
// `recorded_dir`: the absolute directory the workload's files were in (the
// trace's), where SQLite looks for the absolute names it wrote into a
// journal (a super-journal's); empty when unknown (such a name is then
// missing).
std::unique_ptr<Checker> make_sqlite_checker(std::vector<std::string> globs, std::string recorded_dir = {});

}  // namespace crashfs
