#!/usr/bin/env python3
"""One step of the example test suite the CI recipes run under `crashfs mount`.

journal_step.py JOURNAL ENTRY [--no-sync]

Appends ENTRY to JOURNAL in the `journal:u32le+crc32c` format (u32 LE
length, u32 LE masked CRC32C of length and bytes, the bytes), fdatasyncs it
(unless --no-sync: the bug the recipes demonstrate), and only then prints
"saved ENTRY": the acknowledgement a client would get.  A journal that does
not exist yet is first created empty and made durable (file and directory
fsynced), so no acknowledged entry can vanish with an unsynced directory
entry.
"""
import os
import struct
import sys


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def mask(crc: int) -> int:  # LevelDB's mask (checkers/journal_crc32c.h)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def create_durably(path: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.fsync(fd)
    os.close(fd)
    d = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    os.fsync(d)
    os.close(d)


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    path, entry = args[0], args[1].encode()
    sync = "--no-sync" not in sys.argv
    if not os.path.exists(path):
        create_durably(path)
    length = struct.pack("<I", len(entry))
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    os.write(fd, length + struct.pack("<I", mask(crc32c(length + entry))) + entry)
    if sync:
        os.fdatasync(fd)
    os.close(fd)
    print(f"saved {args[1]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
