#!/usr/bin/env bash
# ninja's own reaction to a crash state: `ninja -n` (a dry run: it loads
# build.ninja, .ninja_log and .ninja_deps and decides what is dirty) must
# succeed, and every output it would NOT rebuild must be what a fresh build
# of today's sources gives (gcc and ld are deterministic here: no -g, same
# relative paths): a stale or damaged output ninja trusts is a wrong build.
# Rebuilding more than needed is not flagged: ninja makes no durability
# promise, a lost log entry only costs a rebuild.  Prints nothing when
# right (integrity only); names the stale outputs on stderr otherwise.
cd "$CRASHFS_STATE" || exit 1
plan=$(ninja -n 2>&1) || { echo "ninja -n failed: $plan" | head -5 >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
for src in src/*.c; do
  base=$(basename "$src" .c)
  obj=obj/$base.o
  printf '%s\n' "$plan" | grep -q " CC $obj\$" && continue     # ninja rebuilds it
  [ -e "$obj" ] || continue                                   # cannot be trusted when absent: ninja must rebuild
  gcc -O1 -c "$src" -o "$tmp/$base.o" || exit 1
  cmp -s "$obj" "$tmp/$base.o" || { echo "ninja trusts a stale $obj" >&2; bad=1; }
done
if ! printf '%s\n' "$plan" | grep -q " LINK app\$" && [ -e app ]; then
  for src in src/*.c; do gcc -O1 -c "$src" -o "$tmp/$(basename "$src" .c).o" || exit 1; done
  (cd "$tmp" && gcc main.o $(ls f*.o | sort -V) -o app) || exit 1
  cmp -s app "$tmp/app" || { echo "ninja trusts a stale app" >&2; bad=1; }
fi
exit $bad
