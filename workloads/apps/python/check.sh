#!/usr/bin/env bash
# Python's byte-code caches and pip.  A package made before recording
# (setup.sh), then, recorded:
#   compileall-X.Y   `pythonX.Y -m compileall -q pkg` (2.7, 3.6 and 3.13 from
#                    pyenv, 3.11 Debian's): the pyc checker reads every .pyc
#                    as that interpreter's loader would;
#   pip-target       `python3.11 -m pip install --no-index --no-deps --target
#                    target crashdemo-1.0-py3-none-any.whl` (pip's temporary
#                    directory in $OUT/tmp, outside the recorded directory, as
#                    /tmp usually is): the view imports every module of the
#                    wheel (import_all.py, a dump: checker), and the pyc
#                    checker reads the .pyc files pip compiled.
# small: 3 modules (pip-target capped at 800 states a model); full: 5 (1500).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
app_begin "$here" "$@"
n=3 cap=800
[ "$SIZE" = full ] && n=5 cap=1500
(cd "$OUT/work" && bash "$here/setup.sh" "$n")
# An interpreter by version: Debian's if installed, else pyenv's.
python_of() {
  local exe
  if [ "$1" = 3.11 ] && [ -x /usr/bin/python3.11 ]; then echo /usr/bin/python3.11; return; fi
  for exe in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$1".*/bin/python"$1" /usr/bin/python"$1"; do
    [ -x "$exe" ] && { echo "$exe"; return; }
  done
  echo "python: no python$1 (install it with pyenv: pyenv install $1)" >&2
  exit 2
}
case "$CONFIG" in
  compileall-*)
    py=$(python_of "${CONFIG#compileall-}")
    app_run "$here" --checker pyc -- "$py" -m compileall -q pkg
    ;;
  pip-target)
    py=$(python_of 3.11)
    mkdir -p "$OUT/tmp"
    app_run "$here" --checker "dump:$py -B $here/import_all.py target $n" --checker 'pyc@target/**/*.pyc' \
      --max-states "$cap" -- env TMPDIR="$OUT/tmp" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_ROOT_USER_ACTION=ignore \
      "$py" -m pip install -q --no-index --no-deps --no-cache-dir --target target crashdemo-1.0-py3-none-any.whl
    ;;
esac
