#!/usr/bin/env bash
# Ninja 1.11 (Debian's ninja-build) with gcc: a project made before
# recording (setup.sh), then workload.sh's interrupted and resumed builds,
# recorded.  Checkers: .ninja_log and .ninja_deps as ninja reads them
# (journal:ninja-log, journal:ninja-deps) and ninja's own dry run over the
# outputs (view.sh, a dump: checker; it compiles every object ninja trusts,
# so it is the cost).  small: 3 sources, stopped after 2 edges, 500 states
# a model; full: 5 sources, stopped after 3, 1200.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
app_begin "$here" "$@"
if [ "$SIZE" = small ]; then n=3 stop=2 cap=500; else n=5 stop=3 cap=1200; fi
(cd "$OUT/work" && bash "$here/setup.sh" "$n")
app_run "$here" --checker journal:ninja-log@.ninja_log --checker journal:ninja-deps@.ninja_deps \
  --checker "dump:bash $here/view.sh" --max-states "$cap" -- bash "$here/workload.sh" "$stop"
