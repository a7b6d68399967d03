// What a reader recovers from one SQLite database, read through a
// connection that has opened it (the sqlite checker: sqlite_checker.h).
//   integrity  `PRAGMA integrity_check` answers "ok"; otherwise `error`
//              says what failed;
//   view       user_version, the schema (sqlite_master) and every table's
//              rows (sorted: row order is not part of what SQLite
//              promises), as a digest, with a summary for messages.
// Reading is what makes libsqlite3 recover the files: the first statement
// rolls a hot journal back or rebuilds the WAL index from the -wal.
#pragma once

#include <sqlite3.h>

#include <string>

#include "checkers/view_oracle.h"

namespace crashfs {

struct SqliteRead {
  std::string error;    // non-empty: it cannot be read, or integrity_check failed
  Recovered recovered;  // when error is empty
};

SqliteRead read_sqlite_view(sqlite3* db);

// The error of a database sqlite3_open_v2 refused with `status` (`db` may
// be null or hold the message).
SqliteRead sqlite_open_failure(sqlite3* db);

}  // namespace crashfs
