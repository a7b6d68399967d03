"""The system calls a recorder can get wrong, one after the other, in the cwd.

    python3 syscall_workload.py

Every step leaves something the final tree shows, so a trace that misses or
misplaces one of them replays to a different tree
(replay_final_state_test.cpp).  Deterministic: no random bytes, no times.
"""
import ctypes
import mmap
import os

AT_FDCWD = -100
RENAME_EXCHANGE = 2


def write(path, data, mode=0o644):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    os.write(fd, data)
    os.close(fd)


# A new file written through a shared mapping (kernel writeback, explicit offsets).
fd = os.open('mapped.bin', os.O_RDWR | os.O_CREAT, 0o644)
os.ftruncate(fd, 20000)
m = mmap.mmap(fd, 20000)
m[100:110] = b'x' * 10
m[15000:15004] = b'tail'
m.close()
os.close(fd)

# renameat2(RENAME_EXCHANGE): both names stay, contents swap.
write('a', b'A')
write('b', b'BB')
libc = ctypes.CDLL(None, use_errno=True)
if libc.renameat2(AT_FDCWD, b'a', AT_FDCWD, b'b', RENAME_EXCHANGE) != 0:
    raise OSError(ctypes.get_errno(), 'renameat2(RENAME_EXCHANGE)')

# Writes to an open file after its name is gone, and after it is renamed.
f = open('gone', 'w')
f.write('x' * 100)
f.flush()
os.unlink('gone')
f.write('y' * 100)
f.close()
g = open('moved-open', 'w')
g.write('first')
g.flush()
os.rename('moved-open', 'renamed')
g.write('second')
g.close()

# copy_file_range: recorded as the bytes it wrote.
write('src', bytes(range(256)) * 100)
a = os.open('src', os.O_RDONLY)
b = os.open('dst', os.O_WRONLY | os.O_CREAT, 0o644)
os.copy_file_range(a, b, 10000, 5, 7)
os.close(a)
os.close(b)

# fallocate: grow, punch a hole, shrink and grow again.
fd = os.open('fa', os.O_RDWR | os.O_CREAT, 0o644)
os.write(fd, b'z' * 20000)
os.posix_fallocate(fd, 0, 40000)
FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE = 1, 2
if libc.fallocate(fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, ctypes.c_long(4096), ctypes.c_long(8192)) != 0:
    raise OSError(ctypes.get_errno(), 'fallocate(PUNCH_HOLE)')
os.ftruncate(fd, 30000)
os.ftruncate(fd, 35000)
os.close(fd)

# One write bigger than a trace record's data chunk (4 MiB), then a pwrite into it.
data = bytes((i * 7) % 251 for i in range(5 * 1024 * 1024 + 123))
fd = os.open('big', os.O_WRONLY | os.O_CREAT, 0o644)
os.write(fd, data)
os.pwrite(fd, b'Q' * 10, 3 * 1024 * 1024)
os.close(fd)

# Directories, a directory fsync, an O_SYNC write, hard and symbolic links, a fifo.
os.makedirs('d1/d2')
write('d1/d2/f', b'f')
dfd = os.open('d1/d2', os.O_RDONLY)
os.fsync(dfd)
os.close(dfd)
fd = os.open('d1/synced', os.O_WRONLY | os.O_CREAT | os.O_SYNC, 0o600)
os.write(fd, b'sync')
os.fdatasync(fd)
os.close(fd)
os.link('d1/synced', 'hard')
os.symlink('d1/synced', 'soft')
os.mkfifo('fifo', 0o640)
os.rename('d1', 'moved-dir')
os.chmod('moved-dir', 0o750)
