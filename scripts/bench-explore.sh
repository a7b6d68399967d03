#!/usr/bin/env bash
# Benchmarks `crashfs explore`: generates a synthetic trace of APPENDS small
# appends to one file (default 100000 x 64 bytes, tests/bench/gen_append_trace.cpp)
# and times the exploration under each persistence model, printing states
# per second and peak memory.  Target: every process-kill state in under
# 2 s, posix bounded passes in seconds, memory bounded by the trace size.
#
# Environment: BUILD_DIR (default build/), BUILD_TYPE (default Release),
# APPENDS, BYTES, FSYNC_EVERY (fdatasync after every N appends; default 0),
# MAX_STATES (passed as --max-states when set).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
appends=${APPENDS:-100000}
bytes=${BYTES:-64}
fsync_every=${FSYNC_EVERY:-0}

cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
cmake --build "$build_dir" --target crashfs gen_append_trace -j "$(nproc)" >/dev/null

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trace=$tmp/append.trace
"$build_dir/tests/gen_append_trace" "$trace" "$appends" "$bytes" "$fsync_every"
sync_note="no fdatasync"
[ "$fsync_every" -gt 0 ] && sync_note="fdatasync every $fsync_every appends"
echo "trace: $appends appends of $bytes bytes, $sync_note: $(stat -c %s "$trace") bytes"

extra=()
[ -n "${MAX_STATES:-}" ] && extra+=(--max-states "$MAX_STATES")
printf '%-13s %12s %11s %11s %9s %12s %9s  %s\n' model "crash points" generated distinct seconds "states/s" "max RSS" note
for model in process-kill synced-only ext4-ordered posix; do
  /usr/bin/time -f '%e %M' -o "$tmp/time" \
    "$build_dir/cli/crashfs" explore "$trace" --model "$model" --json "${extra[@]}" >"$tmp/out"
  read -r wall rss_kb <"$tmp/time"
  python3 - "$tmp/out" "$model" "$wall" "$rss_kb" <<'PY'
import json, sys
path, model, wall, rss_kb = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
summary = json.loads(open(path).read().splitlines()[-1])["summary"]
m = summary["models"][0]
rate = m["generated"] / wall if wall > 0 else float("inf")
note = ""
if m["per_point_cap"]:
    note = f"capped by --max-states {m['max_states']}: {m['per_point_cap']} states per point ({m['planned']} planned)"
if model == "process-kill":
    note = ("OK" if wall < 2 else "SLOW") + ": every process-kill state, target < 2 s"
print(f"{model:<13} {m['crash_points']:>12} {m['generated']:>11} {m['distinct']:>11} {wall:>9.2f} {rate:>12.0f} "
      f"{rss_kb / 1024:>7.0f}MB  {note}")
PY
done
