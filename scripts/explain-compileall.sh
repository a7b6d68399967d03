#!/usr/bin/env bash
# Real `python3 -m compileall` of the first N (default 171) top-level
# modules of /usr/lib/python3.11 under posix, with and without explain:
# prints the groups and fixes explain found and both wall times.
#   scripts/explain-compileall.sh [N]     (after scripts/build.sh; as root, /dev/fuse)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
crashfs=${CRASHFS:-$root/build/cli/crashfs}
n=${1:-171}
work=$(mktemp -d "${TMPDIR:-/tmp}/explain-compileall.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/work"
find /usr/lib/python3.11 -maxdepth 1 -name '*.py' -type f | sort | head -n "$n" | xargs -I{} cp {} "$work/work/"
echo "modules: $(ls "$work/work" | wc -l)"
"$crashfs" record --dir "$work/work" --trace "$work/run.trace" -- python3 -m compileall -q . >/dev/null
for mode in --no-explain explain; do
  extra=()
  [[ $mode == --no-explain ]] && extra=(--no-explain)
  start=$(date +%s.%N)
  "$crashfs" check "$work/run.trace" --checker pyc --model posix "${extra[@]}" --report-json "$work/report.json" \
      >"$work/out.txt" 2>&1 || true
  end=$(date +%s.%N)
  printf '%-12s %6.1f s\n' "$mode" "$(echo "$end - $start" | bc)"
done
python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("violations:", r["summary"]["violations"], " groups:", len(r["groups"]))
for g, f in zip(r["groups"], r["fixes"]):
    print(f"  group {g['id']}: {g['kind']} {g['grade']}, {g['violations']} violations in {g['files']} files")
    print(f"    fix ({'verified' if f['verified'] else 'NOT verified'}, {f['instances']} places): {f['text']}")
PY
