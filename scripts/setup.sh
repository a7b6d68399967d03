#!/usr/bin/env bash
# Installs everything crashfs needs to build and test, from Debian packages.
# Idempotent and non-interactive; safe to run on every CI job.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libfuse3-dev fuse3
  libboost-test-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libxxhash-dev libsqlite3-dev sqlite3 libhighwayhash-dev
  git tar python3 attr
  clang libclang-rt-14-dev
  chromium
  # Real programs the verdict and application tests run (issues 10, 12).
  libleveldb-dev liblmdb-dev lmdb-utils redis-server redis-tools
  # The application suite (workloads/apps, scripts/apps.sh, issue 12): pip
  # for Debian's python3.11 (pip install --target of a wheel built locally).
  python3-pip
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# One apt at a time: parallel CI steps or worktrees may run this at once.
exec 9>/tmp/crashfs-setup.lock
flock 9

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi

if [ ! -e /dev/fuse ]; then
  echo "setup: /dev/fuse is missing: crashfs cannot mount here (load the fuse module or run the container with --device /dev/fuse)" >&2
  exit 2
fi
