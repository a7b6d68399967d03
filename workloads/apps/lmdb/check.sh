#!/usr/bin/env bash
# LMDB 0.9.24 (Debian's liblmdb0): an environment created before recording
# (lmdb_tool init), then lmdb_tool's transactions with default flags or
# MDB_NOSYNC, each acknowledged ("committed N") when mdb_txn_commit
# returns; the view is mdb_dump's printable dump (a dump: checker).
# small: 10 transactions; full: 30.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
app_begin "$here" "$@"
tool=$(app_tool lmdb_tool)
mkdir -p "$OUT/work/db"
"$tool" init "$OUT/work/db"
n=10
[ "$SIZE" = full ] && n=30
flags=()
[ "$CONFIG" = nosync ] && flags=(--nosync)
app_run "$here" --checker "dump:mdb_dump -p db" --ack '^committed [0-9]+$' --max-states 6000 \
  -- "$tool" put db "$n" "${flags[@]}"
