#!/usr/bin/env bash
# Runs one pyc workload in the current directory, the module's directory
# (under `crashfs run`, the recorded directory).  See README.md here.
#
#   run-variant.sh setup DIR    copy big.py into DIR; do this BEFORE recording
#   run-variant.sh VARIANT      write big's pyc in the current directory:
#     py27 | py27-race          pyc_writer --variant py27     -> big.pyc
#     py33 | py33-race          pyc_writer --variant py33     -> __pycache__/big.cpython-311.pyc
#     durable | durable-race    pyc_writer --variant durable  -> __pycache__/big.cpython-311.pyc
#     python3                   real `python3 -m py_compile big.py` -> __pycache__/big.<tag>.pyc
#     python2.7                 real Python 2.7 `import big`  -> big.pyc (written in place)
#
# PYC_WRITER names the pyc_writer binary (default: pyc_writer on PATH, else
# the build trees next to this checkout).  PYTHONDONTWRITEBYTECODE is unset
# for the real interpreters, which must write bytecode.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

die() { echo "run-variant.sh: $*" >&2; exit 2; }

find_writer() {
  if [ -n "${PYC_WRITER:-}" ]; then [ -x "$PYC_WRITER" ] || die "PYC_WRITER=$PYC_WRITER is not executable"; echo "$PYC_WRITER"; return; fi
  if command -v pyc_writer >/dev/null; then command -v pyc_writer; return; fi
  for cand in "$here"/../../build*/workloads/pyc_writer; do [ -x "$cand" ] && { echo "$cand"; return; }; done
  die "pyc_writer not found: build it (ninja pyc_writer) and set PYC_WRITER=/path/to/pyc_writer"
}

find_python() {  # pythonX.Y on PATH if it runs (a pyenv shim may refuse), else the pyenv installation
  local name="python$1"
  if command -v "$name" >/dev/null && "$name" -c pass 2>/dev/null; then command -v "$name"; return; fi
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  for cand in "$root"/versions/"$1".*/bin/"$name"; do [ -x "$cand" ] && { echo "$cand"; return; }; done
  die "$name not found (install it, e.g. \`pyenv install $1\`)"
}

[ $# -ge 1 ] || die "usage: run-variant.sh setup DIR | py27[-race] | py33[-race] | durable[-race] | python3 | python2.7"
variant="$1"
case "$variant" in
  setup)
    [ $# -eq 2 ] || die "usage: run-variant.sh setup DIR"
    cp "$here/big.py" "$2/big.py"
    exit 0 ;;
  python3)
    [ -f big.py ] || die "no big.py in $(pwd): run \`run-variant.sh setup DIR\` first"
    exec env -u PYTHONDONTWRITEBYTECODE python3 -m py_compile big.py ;;
  python2.7)
    [ -f big.py ] || die "no big.py in $(pwd): run \`run-variant.sh setup DIR\` first"
    py27="$(find_python 2.7)"
    exec env -u PYTHONDONTWRITEBYTECODE "$py27" -c 'import big' ;;
esac

race=()
case "$variant" in *-race) race=(--race); variant="${variant%-race}" ;; esac
case "$variant" in
  py27) template="$here/big.py27.pyc"; out=big.pyc ;;
  py33 | durable) template="$here/big.py311.pyc"; out=__pycache__/big.cpython-311.pyc ;;
  *) die "unknown variant '$1' (py27, py33, durable, each optionally -race; python3; python2.7; setup)" ;;
esac
[ -f big.py ] || die "no big.py in $(pwd): run \`run-variant.sh setup DIR\` first"
exec "$(find_writer)" --variant "$variant" "${race[@]}" --source big.py --template "$template" --out "$out"
