#!/usr/bin/env bash
# git 2.39 (Debian): a repository made before recording (git init, one
# commit; for fsync-all, core.fsync=all and core.fsyncMethod=fsync), then
# workload.sh's commits and gc, recorded; the view is `git fsck` + `git log`
# (view.sh) as a dump: checker, acknowledgements "committed N" and
# "gc done".  small: 2 commits of 3 files; full: 2 commits of 6 files.
# Power-loss models are capped with --max-states (single lost and torn
# operations first; see README "Persistence models").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
app_begin "$here" "$@"
(
  cd "$OUT/work"
  git init -q
  git config user.email app@example.com
  git config user.name app
  git config gc.auto 0
  if [ "$CONFIG" = fsync-all ]; then git config core.fsync all; git config core.fsyncMethod fsync; fi
  echo base > base.txt
  git add -A && git commit -qm base
)
if [ "$SIZE" = small ]; then args=(2 3) cap=600; else args=(2 6) cap=1200; fi
app_run "$here" --checker "dump:sh $here/view.sh" --ack '^(committed [0-9]+|gc done)$' --max-states "$cap" \
  -- bash "$here/workload.sh" "${args[@]}"
