#!/usr/bin/env bash
# Fuzzes crashfs's parsers with libFuzzer:   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# TARGETs are the names in tests/fuzz/targets.txt (default: all of them, one
# after another, SECONDS each; default 60).  SECONDS 0 only builds and seeds.
# Builds the fuzzers with clang in their own build directory (FUZZ_BUILD_DIR,
# default build-fuzz/; every library instrumented for coverage, ASan and
# UBSan; FUZZ_NO_BUILD=1 skips the build, as the suite's per-target tests
# do after fuzz.build), seeds each target's corpus ($FUZZ_BUILD_DIR/corpus/
# TARGET, which grows across runs) from tests/fuzz/corpus/TARGET, the inputs
# that once broke a contract (tests/data/fuzz/TARGET) and, for the trace
# reader, make_seed_traces, and runs each for SECONDS.
# A target fails on a crash or broken contract (the fuzzers abort), a hang
# (10 s per input), an allocation past 2 GiB, or coverage below its floor in
# targets.txt (a fuzzer that does not reach its parser); the input that did
# it is saved as $FUZZ_BUILD_DIR/TARGET-crash-... and named in the output,
# the log is $FUZZ_BUILD_DIR/TARGET.log.  Prints one line per target:
# edges, executions, seconds.  Exits non-zero if any target failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
table=$root/tests/fuzz/targets.txt

case $seconds in '' | *[!0-9]*) echo "fuzz: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;; esac
declare -A floor max_len
all=()
while read -r name min len _; do
  case $name in '' | '#'*) continue ;; esac
  all+=("$name")
  floor[$name]=$min
  max_len[$name]=$len
done <"$table"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
for t in "${targets[@]}"; do
  [ -n "${floor[$t]:-}" ] || { echo "fuzz: unknown target '$t'; targets: ${all[*]}" >&2; exit 2; }
done

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  if ! command -v clang++ >/dev/null; then
    echo "fuzz: clang++ is missing: scripts/setup.sh installs it (Debian packages clang, libclang-rt-14-dev)" >&2
    exit 2
  fi
  if [ ! -f "$build/build.ninja" ]; then
    echo "fuzz: configuring a clang build with -DCRASHFS_FUZZ=ON in $build" >&2
    launcher=()
    if command -v ccache >/dev/null 2>&1; then
      export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
      launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
    fi
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCRASHFS_FUZZ=ON >/dev/null
  fi
  echo "fuzz: building the fuzzers in $build" >&2
  cmake --build "$build" --target fuzzers >"$build/build.log" 2>&1 ||
    { tail -30 "$build/build.log" >&2; echo "fuzz: the build failed; log: $build/build.log" >&2; exit 1; }
fi

failed=()
for t in "${targets[@]}"; do
  fuzzer=$build/tests/fuzz/${t}_fuzzer
  [ -x "$fuzzer" ] || { echo "fuzz: $fuzzer is not built (run scripts/fuzz.sh 0)" >&2; exit 2; }
  corpus=$build/corpus/$t
  mkdir -p "$corpus"
  [ "$t" = trace_reader ] && "$build/tests/fuzz/make_seed_traces" "$corpus"
  seeds=()
  [ -d "$root/tests/fuzz/corpus/$t" ] && seeds+=("$root/tests/fuzz/corpus/$t")
  # Inputs that broke a contract once (tests/data/fuzz): replayed on every run.
  [ -d "$root/tests/data/fuzz/$t" ] && seeds+=("$root/tests/data/fuzz/$t")
  dict=()
  [ -f "$root/tests/fuzz/dict/$t.dict" ] && dict=(-dict="$root/tests/fuzz/dict/$t.dict")
  [ "$seconds" -eq 0 ] && continue
  log=$build/$t.log
  status=0
  "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$t]}" \
    -artifact_prefix="$build/$t-" -print_final_stats=1 "${dict[@]}" "$corpus" "${seeds[@]}" >"$log" 2>&1 ||
    status=$?
  edges=$(grep -oE "cov: [0-9]+" "$log" | tail -1 | awk '{print $2}')
  execs=$(grep -oE "^stat::number_of_executed_units: [0-9]+" "$log" | awk '{print $2}')
  if [ "$status" -ne 0 ]; then
    grep -E "contract broken|ERROR|SUMMARY|artifact|^  " "$log" | head -20 >&2 || true
    echo "fuzz: $t: FAILED on a fuzzed input (exit $status); log: $log" >&2
    failed+=("$t")
  elif [ -z "$edges" ] || [ "$edges" -lt "${floor[$t]}" ]; then
    echo "fuzz: $t: coverage ${edges:-unknown} edges is below its floor ${floor[$t]} (tests/fuzz/targets.txt):" \
      "the fuzzer is not reaching the parser (is every library instrumented? see CRASHFS_FUZZ); log: $log" >&2
    failed+=("$t")
  else
    echo "fuzz: $t: ok: ${seconds} s, ${edges} edges, ${execs:-?} executions, no crash" >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
