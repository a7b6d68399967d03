#!/usr/bin/env bash
# Rewrites the committed seed corpora, tests/fuzz/corpus/TARGET/, from real
# programs writing real files:   tests/fuzz/make_corpus.sh [BUILD_DIR]
#
#   pyc_validate    .pyc files compiled by every Python on this machine
#                   ($(pyenv root)/versions/*/bin/pythonX.Y and /usr/bin/python3.*):
#                   timestamp pycs, and hash-based ones (3.7+) both checked
#                   and unchecked, of tests/data/pyc/sample_*.py;
#   marshal_reader  their bodies, and marshal.dumps() of a value holding every
#                   type marshal writes (dicts, sets, lists, longs, text floats
#                   of versions 0-1, refs of 3+), at every marshal version each
#                   interpreter writes; the first byte selects the reader's
#                   generation (marshal_reader_fuzzer.cpp);
#   journal_*       journals written by workloads/journal_writer (u32le,
#                   u32le+crc32c, shake; whole, aborted mid-file by the Shake
#                   incident's threads, and with a placeholder); .ninja_log and
#                   .ninja_deps written by ninja running gcc with depfiles on
#                   a small project (built, then partly rebuilt); a LevelDB log
#                   and MANIFEST written by workloads/leveldb_tool (libleveldb).
#                   u32be, u64le, the +crc32c variants and shake-legacy have no
#                   real writer here: their seeds re-frame the payloads of the
#                   real u32le journal (layouts in checkers/journal_*.h).  Each
#                   journal also gets a torn copy (its last 3 bytes cut);
#   state_id        ids `crashfs explore --list` prints, under every model,
#                   for a trace `crashfs record` makes of py_compile and an
#                   acked journal_writer killed mid-entry (a FUSE mount: run
#                   as root), plus hand-written valid and invalid ones;
#   checker_spec, glob, shard: hand-written valid and invalid inputs.
# The trace reader's seeds are made at test time (make_seed_traces: they
# follow the trace format of the build).  Kept small: pycs of two modules,
# journals of tens of entries.  Needs a normal build (BUILD_DIR, default
# build/) with the workloads and crashfs, ninja, gcc, libleveldb and FUSE.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out=$root/tests/fuzz/corpus
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-corpus.XXXXXX")
trap 'rm -rf "$work"' EXIT
for tool in workloads/journal_writer workloads/leveldb_tool crashfs; do
  [ -x "$build/$tool" ] || [ -x "$build/cli/$tool" ] || { echo "make_corpus: $build/$tool is not built" >&2; exit 2; }
done
crashfs=$build/cli/crashfs
[ -x "$crashfs" ] || crashfs=$build/crashfs

rm -rf "$out"
mkdir -p "$out"
seed() {  # seed TARGET NAME < bytes
  mkdir -p "$out/$1"
  cat >"$out/$1/$2"
}
torn() {  # torn TARGET NAME FILE: the file whole and without its last 3 bytes
  seed "$1" "$2" <"$3"
  head -c "-3" "$3" | seed "$1" "$2.torn"
}

# --- Python: pycs and marshal data ---------------------------------------
unset PYTHONDONTWRITEBYTECODE
pythons=()
if command -v pyenv >/dev/null; then
  for p in "$(pyenv root)"/versions/*/bin/python[23].*; do
    case $p in *-config | *m) continue ;; esac
    [ -x "$p" ] && pythons+=("$p")
  done
fi
for p in /usr/bin/python3.*; do
  case $p in *-config) continue ;; esac
  [ -x "$p" ] && pythons+=("$p")
done
cat >"$work/dump_marshal.py" <<'EOF'
# argv: OUT_DIR GEN: marshal.dumps of one value of every type, every version.
import marshal, sys
out, gen = sys.argv[1], sys.argv[2]
shared = (u"shared-text", 2 ** 70)
value = {
    "ints": [0, 1, -1, 2 ** 31 - 1, -2 ** 31, 2 ** 40, -2 ** 100, 7 ** 77],
    "floats": (0.0, -1.5, 1e308, 1e-308, float("inf"), 3.141592653589793),
    "complex": [1j, -2.5 + 3j],
    "text": [u"", u"ascii", u"\u00e9t\u00e9", u"\U0001f600", u"x" * 300],
    "bytes": [b"", b"\x00\xff", b"y" * 300],
    "containers": (set([1, 2, 3]), frozenset([u"a", u"b"]), {1: {2: [3, (4,)]}}, (), [], {}),
    "singletons": [None, True, False, Ellipsis, StopIteration],
    "refs": [shared, shared, shared],
    "code": compile("def f(a, b=2):\n    return [a + b for _ in range(3)]\n", "<fuzz>", "exec"),
}
for version in range(marshal.version + 1):
    with open("%s/%s-v%d.marshal" % (out, gen, version), "wb") as f:
        f.write(marshal.dumps(value, version))
EOF
profile_of() {  # marshal_reader.h's Profile index for a version X.Y
  case $1 in
    2.*) echo 0 ;; 3.[0-3]) echo 1 ;; 3.[4-7]) echo 2 ;; 3.[89] | 3.10) echo 3 ;; 3.1[1-3]) echo 4 ;; *) echo 5 ;;
  esac
}
declare -A seen
for py in "${pythons[@]}"; do
  ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
  [ -n "${seen[$ver]:-}" ] && continue
  seen[$ver]=1
  tag=py${ver/./}
  mkdir -p "$work/$tag"
  cp "$root/tests/data/pyc/sample_common.py" "$work/$tag/"
  sources=(sample_common)
  case $ver in 3.[89] | 3.1[0-9]) cp "$root/tests/data/pyc/sample_modern.py" "$work/$tag/"; sources+=(sample_modern) ;; esac
  modes=(timestamp)
  case $ver in 3.[7-9] | 3.1[0-9]) modes+=(checked unchecked) ;; esac
  for src in "${sources[@]}"; do
    for mode in "${modes[@]}"; do
      if [ "$mode" = timestamp ]; then
        "$py" -c 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)' \
          "$work/$tag/$src.py" "$work/$tag/$src.$mode.pyc"
      else
        "$py" -c 'import py_compile, sys
py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True,
                   invalidation_mode=getattr(py_compile.PycInvalidationMode, sys.argv[3].upper() + "_HASH"))' \
          "$work/$tag/$src.py" "$work/$tag/$src.$mode.pyc" "$mode"
      fi
      pyc=$work/$tag/$src.$mode.pyc
      seed pyc_validate "$src.$tag.$mode.pyc" <"$pyc"
      header=16
      case $ver in 2.* | 3.[0-2]) header=8 ;; 3.[3-6]) header=12 ;; esac
      [ "$mode" = timestamp ] &&  # hash-based pycs have the same body
        { printf "\\x$(printf %02x "$(profile_of "$ver")")"; tail -c "+$((header + 1))" "$pyc"; } |
        seed marshal_reader "$src.$tag.body"
    done
  done
  "$py" "$work/dump_marshal.py" "$work/$tag" "$tag"
  for m in "$work/$tag"/*.marshal; do
    { printf "\\x$(printf %02x "$(profile_of "$ver")")"; cat "$m"; } | seed marshal_reader "$(basename "$m")"
  done
  echo "make_corpus: $py ($ver)" >&2
done
# 3.14's reader (slices) has no interpreter here: give it the 3.13 bodies.
for f in "$out"/marshal_reader/*py313*; do
  [ -f "$f" ] || continue
  { printf '\x05'; tail -c +2 "$f"; } | seed marshal_reader "$(basename "$f").as314"
done

# --- journals written by the workloads ------------------------------------
jw=$build/workloads/journal_writer
j=$work/journals
mkdir -p "$j"
for fmt in u32le u32le+crc32c shake; do
  name=journal_${fmt//+/_}
  "$jw" --variant single-writer --format "$fmt" --out "$j/$fmt.whole" --entries 24 >/dev/null
  torn "$name" single-writer "$j/$fmt.whole"
  "$jw" --variant locked --format "$fmt" --out "$j/$fmt.aborted" --threads 4 --entries 40 --abort-after 12 \
    >/dev/null 2>&1 || true
  seed "$name" locked-aborted <"$j/$fmt.aborted"
  "$jw" --variant placeholder --format "$fmt" --out "$j/$fmt.placeholder" --entries 8 --abort-after 5 \
    >/dev/null 2>&1 || true
  seed "$name" placeholder-aborted <"$j/$fmt.placeholder"
done
# Re-framed payloads of the real u32le journal.
cat >"$work/reframe.py" <<'EOF'
# argv: U32LE_JOURNAL OUT_DIR: the same payloads under the other framings.
import struct, sys
data = open(sys.argv[1], "rb").read()
payloads, pos = [], 0
while pos + 4 <= len(data):
    (n,) = struct.unpack_from("<I", data, pos)
    if pos + 4 + n > len(data):
        break
    payloads.append(data[pos + 4:pos + 4 + n])
    pos += 4 + n

def crc32c(b):
    crc = 0xFFFFFFFF
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF

def mask(c):
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF

def frame(fmt, crc, p, be):
    length = struct.pack(fmt, len(p))
    if not crc:
        return length + p
    return length + struct.pack(">I" if be else "<I", mask(crc32c(length + p))) + p

out = sys.argv[2]
for name, fmt, be in (("u32be", ">I", True), ("u64le", "<Q", False)):
    open("%s/%s" % (out, name), "wb").write(b"".join(frame(fmt, False, p, be) for p in payloads))
for name, fmt, be in (("u32be+crc32c", ">I", True), ("u64le+crc32c", "<Q", False)):
    open("%s/%s" % (out, name), "wb").write(b"".join(frame(fmt, True, p, be) for p in payloads))
# Shake's legacy layout: a raw version line, then big-endian chunks.
legacy = b"SHAKE-DATABASE-4-user\r\n" + struct.pack(">I", 8) + b"witness!"
legacy += b"".join(struct.pack(">I", len(p)) + p for p in payloads)
open("%s/shake-legacy" % out, "wb").write(legacy)
EOF
python3 "$work/reframe.py" "$j/u32le.whole" "$j"
for fmt in u32be u64le u32be+crc32c u64le+crc32c shake-legacy; do
  name=journal_${fmt//[+-]/_}
  torn "$name" reframed "$j/$fmt"
done
# The u32le+crc32c seeds also feed the other checksummed framings' fuzzers a
# real layout mismatch; the placeholder run gives u32le a zero-length entry.

# --- Ninja: .ninja_log and .ninja_deps written by ninja ------------------
n=$work/ninja
mkdir -p "$n"
cat >"$n/build.ninja" <<'EOF'
rule cc
  command = gcc -MD -MF $out.d -c $in -o $out
  depfile = $out.d
  deps = gcc
rule link
  command = gcc $in -o $out
build a.o: cc a.c
build b.o: cc b.c
build c.o: cc c.c
build prog: link a.o b.o c.o
EOF
printf '#define SHARED 1\n' >"$n/shared.h"
printf '#define ONLY_B 2\n' >"$n/only_b.h"
printf '#include "shared.h"\nint a(void) { return SHARED; }\n' >"$n/a.c"
printf '#include "shared.h"\n#include "only_b.h"\nint b(void) { return ONLY_B; }\n' >"$n/b.c"
printf 'int a(void); int b(void);\nint main(void) { return a() + b(); }\n' >"$n/c.c"
ninja -C "$n" >/dev/null
sleep 1.1  # a newer mtime for the rebuild
printf '#define ONLY_B 3\n' >"$n/only_b.h"
ninja -C "$n" >/dev/null
torn journal_ninja_log built-twice "$n/.ninja_log"
torn journal_ninja_deps built-twice "$n/.ninja_deps"

# --- LevelDB: a log and a MANIFEST written by libleveldb ------------------
db=$work/leveldb
"$build/workloads/leveldb_tool" put "$db" --unsynced 30 --synced 3 --value-size 1500 >/dev/null
for f in "$db"/*.log "$db"/MANIFEST-*; do
  torn journal_leveldb "$(basename "$f")" "$f"
done
# A value bigger than a 32 KiB block: FIRST, MIDDLE, LAST fragments.
db2=$work/leveldb-big
"$build/workloads/leveldb_tool" put "$db2" --unsynced 1 --synced 1 --value-size 34000 >/dev/null
for f in "$db2"/*.log; do torn journal_leveldb "fragments-$(basename "$f")" "$f"; done

# --- state ids: what crashfs explore --list prints ------------------------
# A real recorded trace (a FUSE mount under $work, so root and /dev/fuse):
# py_compile's rename without fsync, then an acked journal killed mid-entry.
rec=$work/rec
mkdir -p "$rec"
cp "$root/tests/data/pyc/sample_common.py" "$rec/"
"$crashfs" record --dir "$rec" --trace "$work/rec.trace" -- sh -c \
  "python3 -m py_compile sample_common.py && '$jw' --variant acked --format u32le --out j.log --entries 3 --abort-after 2" \
  >/dev/null 2>&1 || true
for model in process-kill synced-only posix ext4-ordered "posix --sector 512"; do
  k=0
  # shellcheck disable=SC2086  # the model's options split on purpose
  "$crashfs" explore "$work/rec.trace" --model $model --list 2>/dev/null | cut -f1 |
    { grep -E '^(process-kill|synced-only|posix|ext4-ordered)[:@]' || true; } >"$work/ids"
  # A few of each shape: plain, omitted, torn, zeroed, and sub-operation points.
  { head -3 "$work/ids"; for part in -o -t -z '\.'; do { grep -e "$part" "$work/ids" || true; } | head -3; done; } | sort -u |
    while read -r id; do printf '%s' "$id" >"$work/id-${model// /}-$k"; k=$((k + 1)); done
done
for f in "$work"/id-*; do [ -f "$f" ] && seed state_id "explored-$(basename "$f")" <"$f"; done
k=0
for id in posix@41-o38,40-t39s1 ext4-ordered@17-z12 posix:512@9-t7s0:2,5 process-kill@0 synced-only@3.2 \
  posix@9-o1:4,6-t7s0-t8s1:3-z10,11 posix posix@ posix@x posix@1-o3,2 posix@1-t2s posix@1-z posix:0@1 ext4-ordered:512@1; do
  printf '%s' "$id" | seed state_id "hand-$k"
  k=$((k + 1))
done

# --- checker specs, globs, shards -----------------------------------------
k=0
for spec in pyc 'pyc@**/*.pyc' 'pyc@./src/__pycache__/*.pyc' 'journal:u32le@*.log' 'journal:u32le+crc32c@data/*.wal' \
  'journal:shake@.shake.database' 'journal:ninja-log@.ninja_log' 'journal:ninja-deps@.ninja_deps' \
  'journal:leveldb@db/*.log' 'journal:shake-legacy@x' 'journal:u64le@x' 'journal:u32be+crc32c@x' 'atomic@settings.conf' \
  sqlite 'sqlite@**/*.db' "cmd:python3 -c 'import m'" 'dump:git fsck && git log' 'pyc:x' 'journal@x' 'journal:nope@x' \
  'atomic' 'pyc@' 'pyc@/abs' 'pyc@./' '@x' 'cmd:' 'nope:a@b'; do
  printf '%s' "$spec" | seed checker_spec "spec-$k"
  k=$((k + 1))
done
k=0
for pair in '**/*.pyc|a/b/__pycache__/m.cpython-311.pyc' '**/*.pyc|big.pyc' 'data/**|data/x/y' '*.log|.ninja_log' \
  'a/[!x]?/c|a/yz/c' 'a/[a-c]*/\*|a/b1/*' 'a**b/c|axxb/c' 'a//b|a/b' '**/x/**/y|x/y' 'db/*.log|db/000003.log'; do
  printf '%s' "${pair%%|*}"$'\n'"${pair#*|}" | seed glob "glob-$k"
  k=$((k + 1))
done
k=0
for s in 1/1 2/8 8/8 0/1 3/2 01/4 4294967295/4294967295 1/ /1 1/2/3 -1/2 +1/2 ' 1/2'; do
  printf '%s' "$s" | seed shard "shard-$k"
  k=$((k + 1))
done
echo "make_corpus: wrote $(find "$out" -type f | wc -l) seeds ($(du -sh "$out" | cut -f1)) in $out" >&2
