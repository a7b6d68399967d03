#!/usr/bin/env bash
# Long runs of the replay-fidelity differential test:
#   scripts/fuzz-fs.sh SEEDS OPS [FIRST_SEED]     (default 200 2000 1)
#
# Runs workloads/fs_workload under `crashfs record` for seeds FIRST_SEED ..
# FIRST_SEED+SEEDS-1, OPS operations each, with a native shadow driven in
# lockstep, and compares the replayed process-kill state after chosen
# operations with the shadow, field by field (tests/integration/
# replay_fidelity_test.cpp; the suite runs 20 seeds x 2000 operations).
# Needs root and /dev/fuse, and a build (scripts/build.sh; BUILD_DIR,
# default build/).  Exits non-zero naming the seed and operation of the
# first difference.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
seeds=${1:-200}
ops=${2:-2000}
first=${3:-1}
for n in "$seeds" "$ops" "$first"; do
    case $n in '' | *[!0-9]*) echo "fuzz-fs: SEEDS, OPS and FIRST_SEED are whole numbers, not '$n'" >&2; exit 2 ;; esac
done
test_bin=$build/tests/integration/replay_fidelity_test
if [[ ! -x $test_bin ]]; then
    echo "fuzz-fs: $test_bin is not built: run scripts/build.sh first" >&2
    exit 2
fi
echo "fuzz-fs: seeds $first..$((first + seeds - 1)), $ops operations each"
start=$(date +%s)
CRASHFS_FS_SEEDS=$seeds CRASHFS_FS_OPS=$ops CRASHFS_FS_FIRST_SEED=$first \
    "$test_bin" --run_test=random_workload_states_equal_the_native_tree_after_each_chosen_operation
echo "fuzz-fs: $seeds seeds x $ops operations clean in $(( $(date +%s) - start )) s"
