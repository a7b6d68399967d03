#!/usr/bin/env bash
# Benchmarks checking (issue 15), in one run so that every ratio is measured
# under the same machine load: exploration alone, then `crashfs check` of
#   - a u32le journal of 2,000 and 8,000 entries (length and payload in two
#     writes, fdatasync every 10th; tests/bench/gen_journal_trace.cpp) under
#     process-kill and posix (posix at 8,000 entries only with FULL=1);
#   - journals of the formats whose readers carry state from entry to entry
#     (ninja-deps, shake, leveldb), 2,000 and 8,000 entries in two writes
#     each, never synced (as Ninja and Shake write), under process-kill;
#   - `python3 -m compileall -l` of the top-level modules of /usr/lib/python3.11
#     under posix, without and with explain (a plain `crashfs check`);
#   - threads for in-process checkers: that compileall and the 2,000-entry
#     journal under posix, --jobs 1 and --jobs 2;
#   - git (six commits and a gc in a repository made before recording)
#     with a cmd: checker (`git fsck`) under process-kill, with and without
#     explain, --jobs 1 and --jobs 2;
#   - the SQLite matrix (4 journal modes x 4 synchronous levels,
#     workloads/apps/sqlite/writer.py; process-kill and posix, no explain).
# Each line prints the states checked, seconds, states/s, the peak RSS and
# the run's verdict; then the growth ratios and the issue's goals (explain
# on a clean run is timed on git under process-kill, which is clean).  The
# recorded workloads need /dev/fuse and root (as scripts/test.sh);
# SKIP_RECORDED=1 runs the journal lines only.  Environment: BUILD_DIR
# (default build/), FULL=1, CRASHFS and GEN_JOURNAL (binaries to use
# instead of building BUILD_DIR's).  Run it on an otherwise idle machine:
# --jobs 2 has nothing to gain when another process holds the second core.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
crashfs=${CRASHFS:-$build_dir/cli/crashfs}
gen=${GEN_JOURNAL:-$build_dir/tests/gen_journal_trace}

# CRASHFS and GEN_JOURNAL name other binaries (e.g. an older build, to compare).
[ -z "${CRASHFS:-}" ] && cmake --build "$build_dir" --target crashfs gen_journal_trace -j "$(nproc)" >/dev/null

tmp=$(mktemp -d)
cleanup() {
  for d in "$tmp"/*/; do mountpoint -q "$d" 2>/dev/null && "$crashfs" unmount "$d" >/dev/null 2>&1; done
  rm -rf "$tmp"
}
trap cleanup EXIT

jobs_flag() { "$crashfs" check --help 2>/dev/null | grep -q -- '--jobs' && echo "--jobs $1" || true; }
quiet_flag() { "$crashfs" check --help 2>/dev/null | grep -q -- '--quiet' && echo "--quiet" || true; }
declare -A secs states
declare -A verdicts
printf '%-44s %9s %9s %11s %9s  %s\n' line states seconds "states/s" "peak RSS" verdict

# measure NAME -- CMD...: runs CMD under /usr/bin/time; with a --report-json
# in CMD the states checked come from the report, else from an explore --json
# summary on stdout.
measure() {
  local name=$1; shift; shift
  local json=$tmp/report.json
  rm -f "$json"
  # Wall time in nanoseconds (time(1)'s %e has 10 ms steps, a quarter of the
  # shortest lines); time(1) gives the peak RSS.
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || true
  t1=$(date +%s%N)
  wall=$(python3 -c "print(f'{($t1 - $t0) / 1e9:.3f}')")
  read -r rss_kb < <(tail -n 1 "$tmp/time")  # after "Command exited with ..."
  local n verdict
  read -r n verdict < <(python3 - "$json" "$tmp/out" <<'PY'
import json, os, sys
report, out = sys.argv[1], sys.argv[2]
if os.path.exists(report):
    r = json.load(open(report))
    print(r["summary"]["states_checked"], r.get("verdict", "?"))
else:
    try:
        s = json.loads(open(out).read().splitlines()[-1])["summary"]
        print(sum(m["distinct"] for m in s["models"]), "-")
    except Exception:
        print(0, "failed")
PY
)
  secs[$name]=$wall
  states[$name]=$n
  verdicts[$name]=$verdict
  python3 -c "import sys; n, w, r = int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]); \
print(f'{sys.argv[1]:<44} {n:>9} {w:>9.3f} {n / w if w > 0 else 0:>11.0f} {r / 1024:>7.0f}MB  {sys.argv[5]}')" "$name" "$n" "$wall" "$rss_kb" "$verdict"
}

# The tail of every `crashfs check` measured (report and quiet flag).
check_tail=(--report-json "$tmp/report.json" $(quiet_flag))

# --- the journal ---
for n in 2000 8000; do
  "$gen" "$tmp/j$n.trace" "$n" 10
done
echo "# journal traces: 2,000 entries $(stat -c %s "$tmp/j2000.trace") bytes, 8,000 entries $(stat -c %s "$tmp/j8000.trace") bytes"
for n in 2000 8000; do
  for model in process-kill posix; do
    measure "explore journal $n $model" -- "$crashfs" explore "$tmp/j$n.trace" --model "$model" --json
  done
done
J="--checker journal:u32le@journal --no-explain"
measure "check journal 2000 process-kill" -- "$crashfs" check "$tmp/j2000.trace" $J --model process-kill "${check_tail[@]}"
measure "check journal 8000 process-kill" -- "$crashfs" check "$tmp/j8000.trace" $J --model process-kill "${check_tail[@]}"
measure "check journal 2000 posix" -- "$crashfs" check "$tmp/j2000.trace" $J --model posix "${check_tail[@]}"
[ "${FULL:-0}" = 1 ] && measure "check journal 8000 posix" -- "$crashfs" check "$tmp/j8000.trace" $J --model posix "${check_tail[@]}"

# --- stateful journal formats ---
stateful="ninja-deps shake leveldb"
for f in $stateful; do
  for n in 2000 8000; do "$gen" "$tmp/$f$n.trace" "$n" 0 "$f"; done
  echo "# $f traces: 2,000 entries $(stat -c %s "$tmp/${f}2000.trace") bytes, 8,000 entries $(stat -c %s "$tmp/${f}8000.trace") bytes"
  for n in 2000 8000; do
    measure "check $f $n process-kill" -- "$crashfs" check "$tmp/$f$n.trace" --checker "journal:$f@journal" --no-explain --model process-kill "${check_tail[@]}"
  done
done

if [ "${SKIP_RECORDED:-0}" != 1 ]; then
  # --- compileall of the top-level modules of the standard library ---
  mkdir -p "$tmp/py"
  cp /usr/lib/python3.11/*.py "$tmp/py/"
  modules=$(ls "$tmp/py" | wc -l)
  "$crashfs" record --dir "$tmp/py" --trace "$tmp/py.trace" -- python3 -m compileall -q -l . >/dev/null 2>&1 || true
  echo "# compileall: $modules modules, trace $(stat -c %s "$tmp/py.trace") bytes"
  measure "check compileall $modules posix, no explain" -- "$crashfs" check "$tmp/py.trace" --checker pyc --model posix --no-explain "${check_tail[@]}"
  measure "check compileall $modules posix, explain" -- "$crashfs" check "$tmp/py.trace" --checker pyc --model posix "${check_tail[@]}"

  # --- threads for the in-process checkers (--jobs) ---
  for j in 1 2; do
    measure "check compileall $modules posix, no explain, jobs $j" -- "$crashfs" check "$tmp/py.trace" --checker pyc --model posix --no-explain $(jobs_flag $j) "${check_tail[@]}"
  done
  for j in 1 2; do
    measure "check journal 2000 posix, jobs $j" -- "$crashfs" check "$tmp/j2000.trace" $J --model posix $(jobs_flag $j) "${check_tail[@]}"
  done

  # --- git: six commits and a gc, with a cmd: checker ---
  mkdir -p "$tmp/git"
  export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
  # The repository exists before recording: a process killed inside
  # `git init` leaves no repository, which fsck rightly rejects; killed
  # inside commit or gc, git leaves the old or the new state (its lock
  # files), so the run is clean and times explain on a clean run.
  git init -q "$tmp/git"
  "$crashfs" record --dir "$tmp/git" --trace "$tmp/git.trace" -- sh -c \
    'for i in 1 2 3 4 5 6; do echo $i >f$i && git add f$i && git commit -qm c$i || exit 1; done; git gc -q' \
    >/dev/null 2>&1 || true
  G=(--checker 'cmd:git fsck --no-progress >/dev/null 2>&1' --model process-kill)
  measure "check git cmd process-kill, no explain, jobs 1" -- "$crashfs" check "$tmp/git.trace" --no-explain $(jobs_flag 1) "${G[@]}" "${check_tail[@]}"
  measure "check git cmd process-kill, no explain, jobs 2" -- "$crashfs" check "$tmp/git.trace" --no-explain $(jobs_flag 2) "${G[@]}" "${check_tail[@]}"
  measure "check git cmd process-kill, explain, jobs 2" -- "$crashfs" check "$tmp/git.trace" $(jobs_flag 2) "${G[@]}" "${check_tail[@]}"

  # --- the SQLite matrix ---
  total=0; total_states=0; max_rss=0
  for mode in delete truncate persist wal; do
    for sync in off normal full extra; do
      d=$tmp/sq-$mode-$sync
      mkdir -p "$d"
      "$crashfs" record --dir "$d" --trace "$d.trace" -- python3 "$root/workloads/apps/sqlite/writer.py" db.sqlite "$mode" "$sync" >/dev/null 2>&1 || true
      measure "  sqlite $mode x $sync" -- "$crashfs" check "$d.trace" --checker sqlite@db.sqlite --model process-kill --model posix --no-explain --ack '^committed [0-9]+$' "${check_tail[@]}"
      total=$(python3 -c "print($total + ${secs["  sqlite $mode x $sync"]})")
      total_states=$((total_states + ${states["  sqlite $mode x $sync"]}))
    done
  done
  secs["sqlite matrix"]=$total; states["sqlite matrix"]=$total_states
  python3 -c "import sys; n, w = int(sys.argv[1]), float(sys.argv[2]); print(f'{\"check sqlite matrix (16 cells)\":<44} {n:>9} {w:>9.2f} {n / w if w > 0 else 0:>11.0f}')" "$total_states" "$total"
fi

# --- ratios and goals ---
python3 - <<PY
s = {$(for k in "${!secs[@]}"; do printf '"%s": %s, ' "$k" "${secs[$k]}"; done)}
v = {$(for k in "${!verdicts[@]}"; do printf '"%s": "%s", ' "$k" "${verdicts[$k]}"; done)}
def get(k): return s.get(k)
def goal(text, ok): print(f"{'OK  ' if ok else 'MISS'} {text}")
print()
pk2, pk8 = get("check journal 2000 process-kill"), get("check journal 8000 process-kill")
if pk2 and pk8:
    print(f"journal process-kill 2,000 -> 8,000 entries: {pk8 / pk2:.1f}x the time for 4x the entries")
    goal(f"journal 8,000 process-kill < 2 s ({pk8:.2f} s)", pk8 < 2)
    goal(f"journal 2,000 -> 8,000 <= 5x ({pk8 / pk2:.1f}x)", pk8 / pk2 <= 5)
for f in "$stateful".split():
    a, b = get(f"check {f} 2000 process-kill"), get(f"check {f} 8000 process-kill")
    if a and b:
        print(f"{f} process-kill 2,000 -> 8,000 entries: {b / a:.1f}x the time for 4x the entries")
        goal(f"{f} 2,000 -> 8,000 <= 5x ({b / a:.1f}x)", b / a <= 5)
p2 = get("check journal 2000 posix")
if p2: goal(f"journal 2,000 posix < 6 s ({p2:.2f} s)", p2 < 6)
ce = [v for k, v in s.items() if k.startswith("check compileall") and k.endswith(", explain")]
if ce: goal(f"compileall posix incl. explain < 15 s ({ce[0]:.2f} s)", ce[0] < 15)
for name in ("check compileall", "check journal 2000 posix"):
    t = {j: next((x for k, x in s.items() if k.startswith(name) and k.endswith(f"jobs {j}")), None) for j in (1, 2)}
    if t[1] and t[2]: print(f"{name[6:]}: --jobs 2 is {t[1] / t[2]:.2f}x --jobs 1 (in-process threads)")
g1, g2 = get("check git cmd process-kill, no explain, jobs 1"), get("check git cmd process-kill, no explain, jobs 2")
if g1 and g2: goal(f"cmd --jobs 2 >= 1.6x faster than --jobs 1 ({g1 / g2:.2f}x)", g1 / g2 >= 1.6)
ge = get("check git cmd process-kill, explain, jobs 2")
gv = v.get("check git cmd process-kill, explain, jobs 2")
if ge and g2:
    if gv == "clean":
        goal(f"explain on a clean run (git process-kill) <= 2x the check ({ge / g2:.1f}x)", ge / g2 <= 2)
    else:
        print(f"explain on a clean run: not measured (git process-kill was {gv}); explain costs {ge / g2:.1f}x there")
PY
