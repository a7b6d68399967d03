#!/usr/bin/env bash
# Redis 7.0 (Debian's redis-server): the workload starts a server with its
# data in the recorded directory (AOF, appendfsync always / everysec / no),
# a client (resp.py) SETs keys and prints "ack key:I" after each reply, then
# shuts the server down.  The view is what a restarted redis-server loads
# (view.sh, a dump: checker).  small: 3 keys, 150 states a model; full:
# 8 keys, 300.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
app_begin "$here" "$@"
n=3 cap=150
[ "$SIZE" = full ] && n=8 cap=300
# The socket and the server's log live outside the recorded directory.
mkdir -p "$OUT/run"
py=$(app_python)
app_run "$here" --checker "dump:bash $here/view.sh $CONFIG $py" --ack '^ack key:[0-9]+$' --max-states "$cap" \
  -- bash "$here/server.sh" . "$CONFIG" "$OUT/run/redis.sock" "$py" "$here/resp.py" "$OUT/run/redis.sock" write "$n"
