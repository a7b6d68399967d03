#!/usr/bin/env bash
# Sets everything up, builds crashfs (Release), and runs the main job on the
# shipped demo workload: `crashfs run` records three ways of writing a
# Python .pyc (Python 2.7's in-place write, Python 3's write-and-rename
# without fsync, and a durable variant), explores the states a process kill
# and a power loss could leave, checks each .pyc, explains what breaks and
# which fsync fixes it.  Outputs go to demo-out/ (traces, JSON reports).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
BUILD_TYPE=Release "$root/scripts/build.sh" >/dev/null
build=${BUILD_DIR:-$root/build}
crashfs="$build/cli/crashfs"
out="$root/demo-out"
rm -rf "$out"
mkdir -p "$out"
export PYC_WRITER="$build/workloads/pyc_writer"

summary=()
for variant in py27 py33 durable; do
  work="$out/$variant"
  mkdir -p "$work"
  "$root/workloads/pyc/run-variant.sh" setup "$work"
  echo
  echo "=================== pyc workload: $variant ==================="
  set +e
  "$crashfs" run --dir "$work" --trace "$out/$variant.trace" --checker pyc \
    --model process-kill --model posix --report-json "$out/$variant.json" \
    -- "$root/workloads/pyc/run-variant.sh" "$variant"
  code=$?
  set -e
  case $code in
    0) summary+=("$variant: clean under process-kill and posix") ;;
    1) summary+=("$variant: VIOLATION (see above; report: demo-out/$variant.json)") ;;
    *) echo "demo: crashfs run failed for $variant (exit $code)" >&2; exit "$code" ;;
  esac
done

echo
echo "=================== summary ==================="
printf '  %s\n' "${summary[@]}"
echo
echo "Traces and JSON reports are in demo-out/.  Each violation group above ends with the"
echo "\`crashfs replay\` command that rebuilds its example state in a directory of your choice."
