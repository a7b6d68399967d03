#!/usr/bin/env bash
# Fails, loudly, when this machine cannot mount FUSE file systems: crashfs
# needs /dev/fuse (readable and writable) and fusermount3.  A CI job that
# skipped its crash tests here would pass without testing anything, so
# every recipe runs this first.
#
# CRASHFS_FUSE_DEVICE overrides the device path (the tests use it to show
# the failure on a machine that has FUSE).
set -euo pipefail
device=${CRASHFS_FUSE_DEVICE:-/dev/fuse}
fail() {
    cat >&2 <<MSG
crashfs: FUSE is not available on this runner: $1.
  crashfs records through a FUSE mount, so its crash tests cannot run here.
  - In a container: run it with  --device /dev/fuse --cap-add SYS_ADMIN
    (docker run / podman run; GitHub Actions: container.options; GitLab: a
    runner with privileged = true or those devices and capabilities).
  - On a VM or bare runner: load the module (modprobe fuse) and install
    fuse3 (apt-get install fuse3).
  - As a user other than root: make $device readable and writable by it.
This is a failure, not a skip: fix the runner instead of ignoring it.
MSG
    exit 2
}
[ -e "$device" ] || fail "$device does not exist"
[ -c "$device" ] || fail "$device is not a character device"
[ -r "$device" ] && [ -w "$device" ] || fail "$device is not readable and writable by $(id -un)"
command -v fusermount3 >/dev/null 2>&1 || fail "fusermount3 is not installed"
echo "crashfs: FUSE is available ($device, $(command -v fusermount3))"
