#!/usr/bin/env bash
# Configures and builds crashfs.  BUILD_DIR (default build/) and
# BUILD_TYPE (default Release) may be set in the environment.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
build_type=${BUILD_TYPE:-Release}
# ccache, when installed, shares compiled objects between checkouts of the
# tree (CCACHE_BASEDIR makes paths relative), so a second worktree or a CI
# cache rebuilds only what changed.
launcher=()
if command -v ccache >/dev/null 2>&1; then
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
