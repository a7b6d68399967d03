"""The view of a crash state of `pip install --target target`: every module
of the wheel imported from target/ (sys.path[0]), one line each,
"NAME: VALUE" (its VALUE attribute) or "NAME: absent" when its file is
not there.  An import that raises fails the check (exit 1): a module that
does not load.  Bytecode is neither written nor trusted blindly: Python
checks the .pyc against the source as it always does.
    python3 -B import_all.py TARGET N
"""
import importlib
import os
import sys

target, n = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, target)
names = ["crashdemo"] + [f"crashdemo.mod{i}" for i in range(1, n + 1)]
for name in names:
    rel = name.replace(".", "/")
    path = os.path.join(target, rel + ".py") if name != "crashdemo" else os.path.join(target, rel, "__init__.py")
    if not os.path.exists(path):
        print(f"{name}: absent")
        continue
    try:
        mod = importlib.import_module(name)
    except Exception as e:  # noqa: BLE001 - any failure to import is the finding
        print(f"import {name} from {path} failed: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"{name}: {getattr(mod, 'VALUE', '<no VALUE>')}")
