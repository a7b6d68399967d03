#!/usr/bin/env bash
# The view of a crash state: the keys and values redis-server loads from
# the state's appendonlydir (AOF manifest, base and incremental files;
# Redis's default aof-load-truncated yes: a truncated tail is dropped), read
# back over a private socket.  A state Redis refuses to load fails the
# check with the server's log.
#   view.sh POLICY PYTHON     (in a crash state: $CRASHFS_STATE)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
REDIS_STOP=kill "$here/server.sh" "$CRASHFS_STATE" "$1" "$tmp/redis.sock" "$2" "$here/resp.py" "$tmp/redis.sock" dump
