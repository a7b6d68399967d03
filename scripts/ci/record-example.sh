#!/usr/bin/env bash
# CI recipe, step 1: record a test suite in mounted mode.
#
#   scripts/ci/record-example.sh OUT
#
# Mounts crashfs over a fresh directory, runs the example suite's steps
# there as separate processes (examples/ci/journal_step.py), marks the
# trace after each acknowledged step with `crashfs mark`, unmounts, and
# leaves for the checking jobs:
#   OUT/ci.trace   the trace
#   OUT/base/      the directory as the suite left it (check --base)
# EXAMPLE_BUG=1 makes the last step skip its fdatasync (a lost-acked
# violation under posix).  CRASHFS names the crashfs binary (default: crashfs
# on PATH).  The mount is always removed, whatever fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
crashfs=${CRASHFS:-crashfs}
out=${1:?usage: record-example.sh OUT}
"$here/require-fuse.sh"
mkdir -p "$out"
out=$(cd "$out" && pwd)
data="$out/base"
rm -rf "$data" "$out/ci.trace"
mkdir -p "$data"
cleanup() {
    if "$crashfs" status "$data" >/dev/null 2>&1; then "$crashfs" unmount "$data" || true; fi
}
trap cleanup EXIT

"$crashfs" mount --trace "$out/ci.trace" "$data" >/dev/null
step() {  # the suite's own step, then the mark that says the client was told
    python3 "$root/examples/ci/journal_step.py" "$data/journal.log" "$@"
    "$crashfs" mark "$data" "saved $1"
}
step entry-1
step entry-2
if [ "${EXAMPLE_BUG:-0}" = 1 ]; then step entry-3 --no-sync; else step entry-3; fi
"$crashfs" status "$data"
"$crashfs" unmount "$data"
trap - EXIT
echo "recorded $out/ci.trace"
