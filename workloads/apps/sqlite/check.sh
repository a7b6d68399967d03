#!/usr/bin/env bash
# SQLite (Debian's libsqlite3 through Python's sqlite3 module): writer.py's
# transactions in journal_mode DELETE or WAL with synchronous FULL or EXTRA,
# each acknowledged ("committed N") when COMMIT returns; the sqlite checker
# opens every crash state with libsqlite3 (hot journal rolled back, WAL
# replayed) and reads every row.  small: 6 transactions; full: 6 + 3 x 3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
app_begin "$here" "$@"
mode=${CONFIG%-*} sync=${CONFIG#*-}
rounds=0
[ "$SIZE" = full ] && rounds=3
app_run "$here" --checker sqlite@db.sqlite --ack '^committed [0-9]+$' \
  -- "$(app_python)" "$here/writer.py" db.sqlite "$mode" "$sync" "$rounds"
