#!/usr/bin/env bash
# Writes, in the current directory (before recording), the package the
# python app compiles and installs:
#   pkg/                 sources for compileall: __init__.py, N modules
#                        (modI.py; mod1.py ~40 KB so its .pyc spans pages)
#   crashdemo-1.0-py3-none-any.whl
#                        the same modules as package "crashdemo", zipped by
#                        hand into a wheel (dist-info METADATA, WHEEL,
#                        RECORD with sha256 digests): no network, no build
#                        backend.
#   setup.sh N
set -euo pipefail
n=$1
mkdir -p pkg
echo 'VALUE = "pkg"' > pkg/__init__.py
for i in $(seq 1 "$n"); do
  lines=$((i == 1 ? 1500 : 20 + i * 3))
  {
    printf 'VALUE = "module %d"\n' "$i"
    for j in $(seq 1 "$lines"); do printf 'def f%d(x):\n    return x * %d + %d\n' "$j" "$j" "$i"; done
  } > "pkg/mod$i.py"
done
python3 - "$n" <<'PY'
import base64, hashlib, os, sys, zipfile
n = int(sys.argv[1])
files = {"crashdemo/__init__.py": open("pkg/__init__.py", "rb").read().replace(b'"pkg"', b'"crashdemo"')}
for i in range(1, n + 1):
    files[f"crashdemo/mod{i}.py"] = open(f"pkg/mod{i}.py", "rb").read()
info = "crashdemo-1.0.dist-info"
files[f"{info}/METADATA"] = b"Metadata-Version: 2.1\nName: crashdemo\nVersion: 1.0\n"
files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: crashfs-apps\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
record = ""
for name, data in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record += f"{name},sha256={digest},{len(data)}\n"
record += f"{info}/RECORD,,\n"
files[f"{info}/RECORD"] = record.encode()
with zipfile.ZipFile("crashdemo-1.0-py3-none-any.whl", "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in files.items():
        z.writestr(name, data)
PY
