#!/usr/bin/env python3
"""Regenerates the pyc corpus and the oracle's expected verdicts.

Run from anywhere with python3 (3.7+):

    python3 tests/data/pyc/generate.py [--oracle ../shared/reference/pycheck.py]

1. Compiles sample_common.py with Python 2.7, 3.6, 3.8, 3.11, 3.12, 3.13 and
   sample_modern.py with 3.8, 3.11, 3.12, 3.13 (timestamp pycs), plus
   checked and unchecked hash-based pycs of sample_modern.py with 3.8
   (SipHash-2-4) and 3.11 (SipHash-1-3), into NAME.TAG[.checked|.unchecked].pyc.
2. Damages each pyc (every truncation length, zeros from every 512-byte
   boundary to the end, one zeroed 512-byte block at every boundary, 200
   seeded byte flips) and writes what the reference validator (pycheck.py)
   says about each case to expected_verdicts.txt, so the C++ unit test
   (tests/unit/pyc_oracle_agreement_test.cpp) needs no Python.

The oracle never verifies source hashes; for checked hash-based pycs this
script adds that step with the real interpreter's importlib.util.source_hash,
so the expected verdict is what the interpreter would do.

Format of expected_verdicts.txt (one record a line, '#' comments):
    P ID FILE                     pyc number ID is tests/data/pyc/FILE
    O ID OUTCOME EXC OFFSET       the file as compiled
    T ID FROM TO OUTCOME EXC      truncated to every length in [FROM, TO]
    Z ID FROM OUTCOME EXC OFFSET  bytes [FROM, end) zeroed
    B ID FROM OUTCOME EXC OFFSET  bytes [FROM, FROM+512) zeroed
    F ID POS XOR OUTCOME EXC OFFSET  byte POS xor-ed with XOR
OUTCOME is the oracle's verdict: R (RECOMPILE: header rejected), F
(IMPORT_FAILS), K (OK), W (LOADS_WITH_TRAILING).  EXC and OFFSET (file
offset, header included) name the error of F cases ('-' and -1 otherwise).
Truncation runs carry no offset: per-length offsets would make this file
ten times larger, and zero fills and flips already pin the offsets down.
"""
import argparse
import glob
import importlib.util
import os
import random
import shutil
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))

TIMESTAMP = [
    ('sample_common', '2.7'), ('sample_common', '3.6'), ('sample_common', '3.8'),
    ('sample_common', '3.11'), ('sample_common', '3.12'), ('sample_common', '3.13'),
    ('sample_modern', '3.8'), ('sample_modern', '3.11'), ('sample_modern', '3.12'),
    ('sample_modern', '3.13'),
]
HASHED = [('sample_modern', '3.8'), ('sample_modern', '3.11')]
FLIPS_PER_PYC = 200
CODES = {'RECOMPILE': 'R', 'IMPORT_FAILS': 'F', 'OK': 'K', 'LOADS_WITH_TRAILING': 'W'}


def interpreter(version):
    """pythonX.Y on PATH if it runs, else the pyenv installation."""
    name = 'python' + version
    exe = shutil.which(name)
    if exe and subprocess.call([exe, '-c', 'pass'], stderr=subprocess.DEVNULL) == 0:
        return exe
    root = os.environ.get('PYENV_ROOT', os.path.expanduser('~/.pyenv'))
    for cand in sorted(glob.glob(os.path.join(root, 'versions', version + '.*', 'bin', name))):
        return cand
    sys.exit('generate.py: %s not found (install it, e.g. with pyenv)' % name)


def tag(version):
    return 'py' + version.replace('.', '')


def compile_pyc(module, version, mode):
    exe = interpreter(version)
    src = os.path.join(HERE, module + '.py')
    suffix = '' if mode == 'timestamp' else '.' + mode
    out = os.path.join(HERE, '%s.%s%s.pyc' % (module, tag(version), suffix))
    if mode == 'timestamp':
        code = 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)'
    else:
        code = ('import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True, '
                'invalidation_mode=py_compile.PycInvalidationMode.%s_HASH)' % mode.upper())
    env = dict(os.environ)
    env.pop('PYTHONDONTWRITEBYTECODE', None)
    subprocess.check_call([exe, '-c', code, src, out], env=env)
    return out


def source_hash(version, module):
    exe = interpreter(version)
    src = os.path.join(HERE, module + '.py')
    code = ('import importlib.util, sys; '
            'sys.stdout.write(importlib.util.source_hash(open(sys.argv[1], "rb").read()).hex())')
    return bytes.fromhex(subprocess.check_output([exe, '-c', code, src]).decode())


def verdict(oracle, data, mtime, size, real_hash):
    outcome, message = oracle.check_pyc(data, mtime, size)
    if outcome != 'RECOMPILE' and real_hash is not None and len(data) >= 16:
        flags = struct.unpack('<I', data[4:8])[0]
        if flags == 3 and data[8:16] != real_hash:
            return 'R', '-', -1
    if outcome != 'IMPORT_FAILS':
        return CODES[outcome], '-', -1
    exc = message.split(': ', 1)[0]
    off = int(message.rsplit('@', 1)[1])
    magic = struct.unpack('<H', data[:2])[0]
    return 'F', exc, off + oracle.MAGIC[magic][1]


def cases(data, name):
    n = len(data)
    yield 'orig', 0, 0, data
    for cut in range(n):
        yield 'trunc', cut, cut, data[:cut]
    for start in range(0, n, 512):
        yield 'zero', start, 0, data[:start] + bytes(n - start)
    for start in range(0, n, 512):
        end = min(n, start + 512)
        yield 'zblock', start, 0, data[:start] + bytes(end - start) + data[end:]
    rng = random.Random(name)
    for _ in range(FLIPS_PER_PYC):
        pos, xor = rng.randrange(n), rng.randrange(1, 256)
        damaged = bytearray(data)
        damaged[pos] ^= xor
        yield 'flip', pos, xor, bytes(damaged)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--oracle', default=os.path.join(os.path.dirname(REPO), 'shared', 'reference', 'pycheck.py'))
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location('pycheck', args.oracle)
    oracle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(oracle)

    pycs = []
    for module, version in TIMESTAMP:
        pycs.append((compile_pyc(module, version, 'timestamp'), None))
    for module, version in HASHED:
        real = source_hash(version, module)
        pycs.append((compile_pyc(module, version, 'checked'), real))
        pycs.append((compile_pyc(module, version, 'unchecked'), real))

    lines = ['# Generated by generate.py from pycheck.py verdicts; do not edit.']
    for ident, (path, real_hash) in enumerate(pycs):
        name = os.path.basename(path)
        lines.append('P %d %s' % (ident, name))
        with open(path, 'rb') as f:
            data = f.read()
        magic = struct.unpack('<H', data[:2])[0]
        hsize = oracle.MAGIC[magic][1]
        mtime = struct.unpack('<I', data[4:8] if hsize < 16 else data[8:12])[0]
        size = struct.unpack('<I', data[8:12] if hsize == 12 else data[12:16])[0] if hsize > 8 else None
        run = None  # pending truncation run: [from, to, outcome, exc]
        for kind, a, b, damaged in cases(data, name):
            outcome, exc, off = verdict(oracle, damaged, mtime, size, real_hash)
            if kind == 'trunc':
                if run and run[2:] == [outcome, exc] and run[1] == a - 1:
                    run[1] = a
                    continue
                if run:
                    lines.append('T %d %d %d %s %s' % (ident, *run))
                run = [a, a, outcome, exc]
                continue
            if run:
                lines.append('T %d %d %d %s %s' % (ident, *run))
                run = None
            if kind == 'orig':
                lines.append('O %d %s %s %d' % (ident, outcome, exc, off))
            elif kind == 'flip':
                lines.append('F %d %d %d %s %s %d' % (ident, a, b, outcome, exc, off))
            else:
                lines.append('%s %d %d %s %s %d' % ('Z' if kind == 'zero' else 'B', ident, a, outcome, exc, off))
    with open(os.path.join(HERE, 'expected_verdicts.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('generate.py: %d pycs, %d verdict lines' % (len(pycs), len(lines) - 1))


if __name__ == '__main__':
    main()
