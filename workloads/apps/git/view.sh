#!/bin/sh
# The view of a crash state of the repository: what `git log` shows of
# every commit (hash, tree, subject) once `git fsck` accepts the repository
# (objects, refs, index consistent).  A repository fsck rejects fails the
# check with fsck's first complaints on stderr.
cd "$CRASHFS_STATE" || exit 1
err=$(git fsck --no-dangling --no-progress 2>&1 >/dev/null) || { printf '%s\n' "$err" | head -5 >&2; exit 1; }
exec git log --format='%H %T %s'
