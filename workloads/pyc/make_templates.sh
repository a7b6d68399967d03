#!/usr/bin/env bash
# Regenerates big.py and the pyc templates pyc_writer copies its body from:
#   big.py27.pyc   written by Python 2.7's own import (magic 62211, 8-byte header)
#   big.py311.pyc  written by python3.11 -m py_compile (magic 3495, 16-byte header)
# Usage: workloads/pyc/make_templates.sh   (needs python3 and python2.7, e.g. via pyenv)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
find_python() {  # pythonX.Y on PATH if it runs, else the pyenv installation
  local name="python$1"
  if command -v "$name" >/dev/null && "$name" -c pass 2>/dev/null; then command -v "$name"; return; fi
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  for cand in "$root"/versions/"$1".*/bin/"$name"; do [ -x "$cand" ] && { echo "$cand"; return; }; done
  echo "make_templates.sh: $name not found (install it, e.g. with pyenv)" >&2; exit 2
}
py27="$(find_python 2.7)"
py311="$(find_python 3.11)"
python3 "$here/make_big.py" > "$here/big.py"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/big.py" "$work/"
(cd "$work" && env -u PYTHONDONTWRITEBYTECODE "$py27" -c 'import big' && env -u PYTHONDONTWRITEBYTECODE "$py311" -m py_compile big.py)
cp "$work/big.pyc" "$here/big.py27.pyc"
cp "$work/__pycache__/big.cpython-311.pyc" "$here/big.py311.pyc"
ls -l "$here"/big.py "$here"/big.py27.pyc "$here"/big.py311.pyc
