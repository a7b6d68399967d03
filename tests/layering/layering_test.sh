#!/usr/bin/env bash
# ctest unit.layering: the repository follows the layering rule, and the
# check itself fails on trees that break it (so a pass means something).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
check=$root/scripts/check-layers.sh
fail() { echo "FAIL: $*"; exit 1; }

"$check" "$root" || fail "the repository breaks the layering rule (lines above)"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
make_tree() {
  rm -rf "$tmp/t"; mkdir -p "$tmp/t"
  for f in core checkers analysis report fusefs host cli; do
    mkdir -p "$tmp/t/$f"; printf '#include "core/status.h"\n' >"$tmp/t/$f/ok.cpp"
  done
}
expect_rejected() {  # FILE LINE WHY
  make_tree; printf '%s\n' "$2" >>"$tmp/t/$1"
  if out=$("$check" "$tmp/t" 2>&1); then fail "not rejected: $1 with '$2' ($3)"; fi
  echo "rejected as it should be: $1 '$2': ${out%%$'\n'*}"
}
make_tree; "$check" "$tmp/t" >/dev/null || fail "a tree that follows the rule is rejected"
expect_rejected core/x.h '#include "checkers/checker.h"' "core includes a higher layer"
expect_rejected core/x.cpp '#include "analysis/explain.h"' "core includes a higher layer"
expect_rejected checkers/x.cpp '#include "cli/commands.h"' "checkers include cli"
expect_rejected checkers/x.cpp '#include "fusefs/journal.h"' "checkers include fusefs"
expect_rejected checkers/x.cpp '#include "host/scratch_dir.h"' "checkers include host"
expect_rejected analysis/x.cpp '#include "report/report.h"' "analysis includes report"
expect_rejected fusefs/x.cpp '#include "checkers/checker.h"' "fusefs includes checkers"
expect_rejected core/x.cpp '#include "../checkers/checker.h"' "relative include"
expect_rejected checkers/x.cpp '  #  include "cli/commands.h"' "spaced directive"
make_tree; mkdir -p "$tmp/t/extra"; echo 'int x;' >"$tmp/t/extra/a.cpp"
if "$check" "$tmp/t" >/dev/null 2>&1; then fail "a source folder without a rule is accepted"; fi
echo "ok"
