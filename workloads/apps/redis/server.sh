#!/usr/bin/env bash
# Starts redis-server with its data in DIR (AOF on, appendfsync POLICY, no
# RDB snapshots, no TCP port: a unix socket SOCKET), waits until it answers,
# runs CMD..., then waits for the server to exit (CMD shuts it down) or
# stops it; with REDIS_STOP=kill (the view, on a throw-away copy) it kills
# it at once.  Used by the workload (recorded) and by the view (each state).
#   server.sh DIR POLICY SOCKET CMD...
# Exit status: CMD's; 1 if the server did not come up (its log on stderr).
set -uo pipefail
dir=$1 policy=$2 sock=$3; shift 3
log=$(dirname "$sock")/redis.log
redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 --dir "$dir" --appendonly yes \
  --appendfsync "$policy" --save '' --daemonize no --logfile "$log" --loglevel notice &
pid=$!
for _ in $(seq 1 1000); do  # up to 10 s: a loaded machine starts slowly
  [ -S "$sock" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.01
done
if [ ! -S "$sock" ]; then
  echo "redis-server did not start on $dir:" >&2; tail -5 "$log" >&2
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  exit 1
fi
"$@"
status=$?
if [ $status -ne 0 ]; then tail -3 "$log" >&2; fi
{
  [ "${REDIS_STOP:-}" = kill ] && kill -KILL "$pid"
  for _ in $(seq 1 500); do kill -0 "$pid" || break; sleep 0.01; done
  if kill -0 "$pid"; then kill "$pid"; fi
  wait "$pid"
} 2>/dev/null
exit $status
