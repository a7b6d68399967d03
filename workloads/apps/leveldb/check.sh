#!/usr/bin/env bash
# LevelDB 1.23 (Debian's libleveldb1d) through leveldb_tool: `put` into a
# new database, the unsynced configuration with every put sync = false,
# the synced one with puts sync = true spread among them, each
# acknowledged ("ack KEY") when it returns.  Checkers: the database as
# LevelDB opens it (leveldb_tool dump, paranoid_checks; a dump: checker)
# and its log files as LevelDB's log reader reads them (journal:leveldb).
# small: 400 puts (4 synced); full: 1000 (10 synced).  Power loss is
# capped with --max-states at 3 states per crash point (single deviations
# first).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
app_begin "$here" "$@"
tool=$(app_tool leveldb_tool)
if [ "$SIZE" = small ]; then total=400 synced=4 cap=1300; else total=1000 synced=10 cap=3200; fi
[ "$CONFIG" = unsynced ] && synced=0
app_run "$here" --checker "dump:$tool dump db" --checker 'journal:leveldb@db/*.log' --ack '^ack ' \
  --max-states "$cap" -- "$tool" put db --unsynced $((total - synced)) --synced "$synced"
