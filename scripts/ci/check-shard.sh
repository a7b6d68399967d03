#!/usr/bin/env bash
# CI recipe, step 2: check the recorded trace, one shard per job.
#
#   scripts/ci/check-shard.sh OUT [K/N]
#
# Checks OUT/ci.trace (OUT/base as the final tree) with the example's
# checker and acknowledgements, and writes OUT/reports/shard-K.json and
# .xml (JUnit), or unsharded.json/.xml without K/N.  Exits with crashfs's
# exit code: 0 clean, 1 violation, 4 inconclusive, 2/3 errors; only 0 is
# a pass (an inconclusive run checked nothing and must not look green).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
crashfs=${CRASHFS:-crashfs}
out=${1:?usage: check-shard.sh OUT [K/N]}
shard=${2:-}
mkdir -p "$out/reports"
name=unsharded
args=()
if [ -n "$shard" ]; then
    name="shard-${shard%%/*}"
    args=(--shard "$shard")
fi
"$crashfs" check "$out/ci.trace" --base "$out/base" \
    --checker 'journal:u32le+crc32c@journal.log' --model process-kill --model posix \
    --ack '^saved ' "${args[@]}" \
    --report-json "$out/reports/$name.json" --junit "$out/reports/$name.xml"
