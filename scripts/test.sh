#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (unit + mounted integration)
# through ctest.  Needs root and /dev/fuse for the integration tests; they
# fail with a message, never skip, when FUSE is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
BUILD_TYPE=${BUILD_TYPE:-Release} "$root/scripts/build.sh"
cd "${BUILD_DIR:-$root/build}"
ctest --output-on-failure --timeout 900 "$@"
