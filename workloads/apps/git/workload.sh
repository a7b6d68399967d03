#!/usr/bin/env bash
# A git user's session in an existing repository: COMMITS commits of
# FILES new or changed files each, then `git gc`.  "committed N" is printed
# (and flushed: each echo is one write) when `git commit` returns: what git
# tells its user; "gc done" when gc returns.
#   workload.sh COMMITS FILES
set -euo pipefail
commits=$1 files=$2
for c in $(seq 1 "$commits"); do
  for i in $(seq 1 "$files"); do echo "commit $c file $i $(seq 1 $((c * i)) | tr '\n' ' ')" >> "f$i.txt"; done
  git add -A
  git commit -qm "commit $c"
  echo "committed $c"
done
git gc -q
echo "gc done"
