#!/usr/bin/env bash
# A developer's build, interrupted and resumed: `ninja -j1` is stopped with
# SIGINT (as Ctrl-C would) once STOP_AFTER edges are in .ninja_log, then
# resumed to the end; then a header changes (src/common.h, every object
# depends on it through .ninja_deps) and a source changes (src/f1.c), and
# ninja rebuilds.
#   workload.sh STOP_AFTER
set -uo pipefail
stop=$1
ninja -j1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  if [ -f .ninja_log ] && [ "$(grep -vc '^#' .ninja_log)" -ge "$stop" ]; then kill -INT "$pid"; break; fi
  sleep 0.01
done
wait "$pid"
echo "ninja interrupted: exit $?"
ninja -j1 || exit 1
sleep 0.01  # a newer mtime than the outputs', at ninja's resolution
printf '#define SCALE 5\n' > src/common.h
echo '/* changed */' >> src/f1.c
ninja -j1 || exit 1
