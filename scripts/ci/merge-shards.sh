#!/usr/bin/env bash
# CI recipe, step 3: merge the shards' reports into one.
#
#   scripts/ci/merge-shards.sh OUT
#
# Merges OUT/reports/shard-*.json into OUT/merged.json, OUT/merged.xml
# (JUnit) and OUT/merged.html.  Fails when a shard is missing or the
# reports come from different traces or options; exits with the merged
# verdict's code (0 clean, 1 violation, 4 inconclusive).
set -euo pipefail
crashfs=${CRASHFS:-crashfs}
out=${1:?usage: merge-shards.sh OUT}
shopt -s nullglob
reports=("$out"/reports/shard-*.json)
if [ ${#reports[@]} -eq 0 ]; then
    echo "merge-shards.sh: no shard reports in $out/reports (did the check jobs upload them?)" >&2
    exit 2
fi
"$crashfs" merge "${reports[@]}" --report-json "$out/merged.json" --junit "$out/merged.xml" \
    --html "$out/merged.html" --trace "$out/ci.trace" --base "$out/base"
