#!/usr/bin/env bash
# Measures the recorder's cost, in one run, on four workloads:
#   dd-4k       dd 4 KiB blocks, 64 MiB, conv=fsync
#   dd-1m       dd 1 MiB blocks, 256 MiB, conv=fsync
#   smallfiles  2000 files, each written + fsync + renamed (workloads/bench_smallfiles)
#   appends     100k appends of 64 bytes, one final fsync (workloads/bench_appends)
#   dsync       2000 synchronous 4 KiB writes (dd oflag=dsync): the purest fsync-heavy load
# in four setups:
#   native      the plain directory
#   no-record   crashfs record --no-record (FUSE passthrough; fsyncs performed)
#   record      crashfs record (fsyncs recorded, not performed)
#   pt_ll       libfuse's own low-level passthrough example (passthrough_ll.c)
# and prints each time (median of BENCH_REPS interleaved runs) and the ratios record /
# no-record, record / pt_ll and record / native.  Goals: record within 1.3x
# of no-record and of pt_ll on every workload; fsync-heavy workloads faster
# than native (smallfiles, dsync).  smallfiles also pays a create and a
# rename per file in the backing directory, through FUSE: where a native fsync
# is cheap (a VM disk with a host cache: ~0.3 ms) those cost about as much.
#
# Times are taken inside the setup (the workload's own wall clock), so
# mount and unmount are not counted.  Every mount is undone on exit, even on
# failure.  Runs scripts/bench-explore.sh at the end if it exists.
#
# Environment: BUILD_DIR (default build/), BUILD_TYPE (default Release),
# BENCH_DIR (where to run; default a fresh directory under /var/tmp, i.e. on
# disk), BENCH_REPS (default 5), BENCH_ONLY (space-separated workload names).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
build_type=${BUILD_TYPE:-Release}
reps=${BENCH_REPS:-5}
workloads=(${BENCH_ONLY:-dd-4k dd-1m smallfiles appends dsync})
setups=(native no-record record pt_ll)

[ -e /dev/fuse ] || { echo "bench: /dev/fuse is missing: load the fuse module" >&2; exit 2; }

bench_root=${BENCH_DIR:-$(mktemp -d /var/tmp/crashfs-bench-XXXXXX)}
mkdir -p "$bench_root"
dir=$bench_root/dir         # the directory every setup works in
trace=$bench_root/bench.trace
pt_pid=

cleanup() {
  local status=$?
  set +e
  for _ in 1 2 3; do
    grep -q " $dir fuse" /proc/mounts 2>/dev/null || break
    fusermount3 -u -z "$dir" 2>/dev/null
  done
  [ -n "$pt_pid" ] && kill "$pt_pid" 2>/dev/null
  [ -z "${BENCH_DIR:-}" ] && rm -rf "$bench_root"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "bench: building crashfs ($build_type) in $build_dir" >&2
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
fi
cmake --build "$build_dir" --target crashfs bench_smallfiles bench_appends >/dev/null
crashfs=$build_dir/cli/crashfs
examples=/usr/share/doc/libfuse3-dev/examples
pt_ll=$build_dir/passthrough_ll
if [ ! -x "$pt_ll" ] || [ "$examples/passthrough_ll.c" -nt "$pt_ll" ]; then
  gcc -O2 -Wall "$examples/passthrough_ll.c" -I"$examples" $(pkg-config --cflags --libs fuse3) -o "$pt_ll"
fi

workload_command() {
  case $1 in
    dd-4k) echo "dd if=/dev/zero of=dd.bin bs=4k count=16384 conv=fsync status=none" ;;
    dd-1m) echo "dd if=/dev/zero of=dd.bin bs=1M count=256 conv=fsync status=none" ;;
    smallfiles) echo "$build_dir/workloads/bench_smallfiles 2000" ;;
    appends) echo "$build_dir/workloads/bench_appends 100000" ;;
    dsync) echo "dd if=/dev/zero of=dd.bin bs=4k count=2000 oflag=dsync status=none" ;;
  esac
}

# The workload wrapped so it reports its own wall time (ns) into $1.
timed() {
  local out=$1 cmd=$2
  echo "s=\$(date +%s%N); $cmd; e=\$(date +%s%N); echo \$((e - s)) > $out"
}

wait_mounted() {
  for _ in $(seq 1 500); do
    grep -q " $dir fuse" /proc/mounts && return 0
    sleep 0.01
  done
  echo "bench: mount on $dir did not appear" >&2
  cat "$bench_root/passthrough_ll.log" >&2 2>/dev/null
  return 1
}

# run_once SETUP WORKLOAD -> prints seconds
run_once() {
  local setup=$1 cmd
  cmd=$(timed "$bench_root/ns" "$(workload_command "$2")")
  rm -rf "$dir" "$trace"
  mkdir -p "$dir"
  sync
  case $setup in
    native) (cd "$dir" && sh -c "$cmd") ;;
    no-record) "$crashfs" record --dir "$dir" --no-record -- sh -c "$cmd" 2>/dev/null ;;
    record) "$crashfs" record --dir "$dir" --trace "$trace" -- sh -c "$cmd" 2>/dev/null ;;
    pt_ll)
      # (libfuse 3.14's example prints a harmless "invalid max threads" line: kept in its log)
      "$pt_ll" -f -o source="$dir" "$dir" 2>>"$bench_root/passthrough_ll.log" &
      pt_pid=$!
      wait_mounted
      (cd "$dir" && sh -c "$cmd")
      fusermount3 -u "$dir"
      wait "$pt_pid" || true
      pt_pid=
      ;;
  esac
  awk '{ printf "%.3f\n", $1 / 1e9 }' "$bench_root/ns"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# Repetitions are interleaved (each rep runs every setup once, in turn), so
# a slow minute of the machine lands on every setup alike, not on one.
declare -A samples secs
for w in "${workloads[@]}"; do
  for rep in $(seq 1 "$reps"); do
    for s in "${setups[@]}"; do samples[$w,$s]+="$(run_once "$s" "$w") "; done
    echo "bench: $w: rep $rep/$reps done" >&2
  done
  for s in "${setups[@]}"; do
    secs[$w,$s]=$(printf '%s\n' ${samples[$w,$s]} | median)
    echo "bench: $w $s: ${samples[$w,$s]}s" >&2
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
verdict() { awk -v r="$1" -v lim="$2" 'BEGIN { print (r <= lim) ? "ok" : "MISSED" }'; }

printf '\n%-11s %9s %9s %9s %9s | %9s %9s %9s\n' workload native no-record record pt_ll rec/norec rec/pt_ll rec/native
for w in "${workloads[@]}"; do
  n=${secs[$w,native]} nr=${secs[$w,no-record]} r=${secs[$w,record]} p=${secs[$w,pt_ll]}
  printf '%-11s %8ss %8ss %8ss %8ss | %9s %9s %9s\n' "$w" "$n" "$nr" "$r" "$p" \
    "$(ratio "$r" "$nr")" "$(ratio "$r" "$p")" "$(ratio "$r" "$n")"
done
echo
for w in "${workloads[@]}"; do
  r=${secs[$w,record]}
  goals="vs no-record $(verdict "$(ratio "$r" "${secs[$w,no-record]}")" 1.3)"
  goals+=", vs pt_ll $(verdict "$(ratio "$r" "${secs[$w,pt_ll]}")" 1.3)"
  case $w in smallfiles | dsync) goals+=", faster than native $(verdict "$(ratio "$r" "${secs[$w,native]}")" 1.0)" ;; esac
  echo "goal $w: $goals"
done

# What a native fsync costs on this disk decides whether skipping it beats
# the FUSE round trips (smallfiles pays 11 per file, each ~20 us on a VM).
if [ -n "${secs[dsync,native]:-}" ]; then
  awk -v s="${secs[dsync,native]}" 'BEGIN { printf "native synchronous 4 KiB write on this disk: %.3f ms (dsync native / 2000)\n", s / 2000 * 1000 }'
fi

if [ -x "$root/scripts/bench-explore.sh" ]; then
  echo
  BUILD_DIR="$build_dir" "$root/scripts/bench-explore.sh"
fi
