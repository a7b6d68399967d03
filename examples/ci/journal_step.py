#!/usr/bin/env python3
"""One step of the example test suite the CI recipes run under `crashfs mount`.

journal_step.py JOURNAL ENTRY [--no-sync]

Appends ENTRY to JOURNAL as a u32 little-endian length and the bytes (the
`journal:u32le` format), fdatasyncs it (unless --no-sync: the bug the
recipes can demonstrate), fsyncs the directory when it created the file,
and only then prints "saved ENTRY": the acknowledgement a client would get.
"""
import os
import struct
import sys


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    path, entry = args[0], args[1].encode()
    sync = "--no-sync" not in sys.argv
    new = not os.path.exists(path)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, struct.pack("<I", len(entry)) + entry)
    if sync:
        os.fdatasync(fd)
    os.close(fd)
    if new:
        d = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        os.fsync(d)
        os.close(d)
    print(f"saved {args[1]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
