#!/usr/bin/env bash
# The application suite at full size: every configuration of every
# application in workloads/apps/ (or of the NAMEs given) recorded and
# checked by crashfs, compared with the verdicts each program's
# documentation leads to (workloads/apps/NAME/expected), printed as one
# markdown table:
#   app | configuration | model | verdict | states | groups | seconds
# Exits 1 if any verdict differs from its expectation, 2 on bad usage.
# Needs root and /dev/fuse, the packages of scripts/setup.sh and a build
# (scripts/build.sh); CRASHFS and CRASHFS_WORKLOAD_DIR override where the
# binaries are; APPS_OUT (default $TMPDIR/crashfs-apps) keeps each run's
# trace, report and output.
#   scripts/apps.sh [NAME...]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
apps_dir=$root/workloads/apps
build=${BUILD_DIR:-$root/build}
export CRASHFS=${CRASHFS:-$build/cli/crashfs}
export CRASHFS_WORKLOAD_DIR=${CRASHFS_WORKLOAD_DIR:-$build/workloads}
out=${APPS_OUT:-${TMPDIR:-/tmp}/crashfs-apps}
. "$apps_dir/lib.sh"
[ -x "$CRASHFS" ] || { echo "apps.sh: $CRASHFS is missing: run scripts/build.sh (or set CRASHFS)" >&2; exit 2; }
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(sqlite git leveldb lmdb ninja python redis)
for name in "${names[@]}"; do
  [ -f "$apps_dir/$name/expected" ] || { echo "apps.sh: no application '$name' (folders of $apps_dir)" >&2; exit 2; }
done
echo "| app | configuration | model | verdict | states | groups (kind: cause -> fix or remedy) | seconds |"
echo "|---|---|---|---|---|---|---|"
mkdir -p "$out"
status=0
start_all=$SECONDS
for name in "${names[@]}"; do
  for config in $(app_configs "$apps_dir/$name"); do
    dir=$out/$name/$config
    start=$SECONDS
    bash "$apps_dir/$name/check.sh" "$config" full "$dir" >"$out.$name.$config.log" 2>&1
    rc=$?
    mkdir -p "$dir" && mv "$out.$name.$config.log" "$dir/crashfs.log"
    if [ $rc -ge 2 ] && [ $rc -ne 4 ]; then
      echo "apps.sh: $name $config: crashfs exited $rc (see $dir/crashfs.log):" >&2
      tail -5 "$dir/crashfs.log" >&2
    fi
    python3 "$apps_dir/judge.py" "$dir/report.json" "$apps_dir/$name" "$config" $((SECONDS - start)) || status=1
  done
done
echo
echo "total: $((SECONDS - start_all)) s; crashfs $("$CRASHFS" --version 2>/dev/null | head -1); runs kept in $out"
exit $status
