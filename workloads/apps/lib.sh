# Shared by workloads/apps/*/check.sh (sourced, not run).
#
# Each application folder holds:
#   check.sh CONFIG SIZE OUT   records and checks one configuration of the
#                              application with `crashfs run` (SIZE: small
#                              for the mounted test, full for scripts/apps.sh)
#                              in OUT (OUT/work the recorded directory,
#                              OUT/run.trace, OUT/report.json); exits with
#                              crashfs's exit code.
#   expected                   one line per configuration x model:
#                              CONFIG MODEL VERDICT REASON...; the verdict
#                              the program's own documentation leads to, and
#                              why (quoted), decided before crashfs ran.
# The models checked for a configuration are the ones its expected lines
# name, so the expectation and the run cannot drift apart.
#
# Environment: CRASHFS (default: crashfs on PATH or build/crashfs).

apps_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root_dir=$(cd "$apps_dir/../.." && pwd)

# The crashfs binary: $CRASHFS, else the build tree's, else PATH's.
crashfs_bin() {
  if [ -n "${CRASHFS:-}" ]; then echo "$CRASHFS"
  elif [ -x "$root_dir/build/cli/crashfs" ]; then echo "$root_dir/build/cli/crashfs"
  else command -v crashfs || { echo "apps: no crashfs binary (build it or set CRASHFS)" >&2; return 2; }
  fi
}

# The configurations of an application folder, in the expected file's order.
app_configs() {
  awk '!/^#/ && NF >= 3 && !seen[$1]++ { print $1 }' "$1/expected"
}

# "--model M" for every model the expected file names for CONFIG.
app_model_args() {
  awk -v c="$2" '!/^#/ && $1 == c { printf "--model %s ", $2 }' "$1/expected"
}

# Usage check and OUT preparation shared by every check.sh: sets CONFIG,
# SIZE, OUT; refuses a configuration the expected file does not list.
app_begin() {
  local dir=$1; shift
  if [ $# -ne 3 ] || { [ "$2" != small ] && [ "$2" != full ]; }; then
    echo "usage: $dir/check.sh CONFIG small|full OUT" >&2; exit 2
  fi
  CONFIG=$1 SIZE=$2 OUT=$3
  if ! app_configs "$dir" | grep -qx -- "$CONFIG"; then
    echo "$(basename "$dir"): unknown configuration '$CONFIG' (known: $(app_configs "$dir" | tr '\n' ' '))" >&2
    exit 2
  fi
  rm -rf "$OUT"
  mkdir -p "$OUT/work"
  CRASHFS_BIN=$(crashfs_bin) || exit 2
}

# crashfs run on OUT with the configuration's models, then OPTIONS... -- CMD.
# Small runs skip explain (the tests look at verdicts only); full runs
# explain the groups and verify fixes but test no recorded fsync for need
# (one re-exploration per fsync, which the table does not show).
app_run() {
  local dir=$1; shift
  local explain=(--max-fsync-checks 0)
  [ "$SIZE" = small ] && explain=(--no-explain)
  # shellcheck disable=SC2046
  exec "$CRASHFS_BIN" run --dir "$OUT/work" --trace "$OUT/run.trace" --report-json "$OUT/report.json" \
    $(app_model_args "$dir" "$CONFIG") "${explain[@]}" "$@"
}

# A driver built with the workloads (leveldb_tool, lmdb_tool):
# $CRASHFS_WORKLOAD_DIR, else the build tree's workloads/.
app_tool() {
  local d=${CRASHFS_WORKLOAD_DIR:-$root_dir/build/workloads}
  [ -x "$d/$1" ] || { echo "apps: $d/$1 is missing: build crashfs (scripts/build.sh) or set CRASHFS_WORKLOAD_DIR" >&2; return 2; }
  echo "$d/$1"
}

# The real python3 executable (not pyenv's shim, a shell script that costs
# ~0.3 s a start: the views start Python once per crash state).
app_python() {
  python3 -c 'import sys; print(sys.executable)'
}
