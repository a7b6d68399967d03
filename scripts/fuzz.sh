#!/usr/bin/env bash
# Fuzzes the trace reader with libFuzzer:   scripts/fuzz.sh [SECONDS]   (default 60)
#
# Builds the fuzzer with clang in its own build directory (FUZZ_BUILD_DIR,
# default build-fuzz/; every library instrumented for coverage, ASan and
# UBSan), seeds the corpus with small real traces (tests/fuzz/make_seed_traces)
# and runs for SECONDS.  The corpus grows across runs ($FUZZ_BUILD_DIR/corpus).
# Exits non-zero on a crash, a hang (10 s per input), an allocation past
# 2 GiB, or a coverage so low that the reader cannot have been reached; the
# input that did it is saved in $FUZZ_BUILD_DIR and named in the output.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
# Well below what a reached reader gives (about 180 edges after 20 s); a
# blind fuzzer (an uninstrumented library) shows under 10.
min_coverage=${FUZZ_MIN_COVERAGE:-100}

case $seconds in '' | *[!0-9]*) echo "fuzz: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;; esac
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ is missing: scripts/setup.sh installs it (Debian packages clang, libclang-rt-14-dev)" >&2
  exit 2
fi
if [ ! -f "$build/build.ninja" ]; then
  echo "fuzz: configuring a clang build with -DCRASHFS_FUZZ=ON in $build" >&2
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCRASHFS_FUZZ=ON >/dev/null
fi
echo "fuzz: building trace_reader_fuzzer" >&2
cmake --build "$build" --target trace_reader_fuzzer make_seed_traces >/dev/null

corpus=$build/corpus/trace_reader
mkdir -p "$corpus"
"$build/tests/fuzz/make_seed_traces" "$corpus"
log=$build/trace_reader_fuzzer.log
echo "fuzz: running trace_reader_fuzzer for ${seconds} s on $corpus" >&2
status=0
"$build/tests/fuzz/trace_reader_fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$build/" -print_final_stats=1 "$corpus" >"$log" 2>&1 || status=$?
grep -E "DONE|^stat::number_of_executed_units|ERROR|SUMMARY|artifact" "$log" >&2 || true
if [ "$status" -ne 0 ]; then
  echo "fuzz: the trace reader failed on a fuzzed input (exit $status); full log: $log" >&2
  exit 1
fi
coverage=$(grep -oE "cov: [0-9]+" "$log" | tail -1 | awk '{print $2}')
if [ -z "$coverage" ] || [ "$coverage" -lt "$min_coverage" ]; then
  echo "fuzz: coverage ${coverage:-unknown} is below $min_coverage: the fuzzer is not reaching the reader" \
    "(is crashfs_core instrumented? see CRASHFS_FUZZ in CMakeLists.txt); log: $log" >&2
  exit 1
fi
echo "fuzz: ok: ${seconds} s, coverage $coverage edges, no crash" >&2
