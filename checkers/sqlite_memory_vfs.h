// An in-memory SQLite VFS: libsqlite3 opens a crash state's database from
// memory (sqlite_memory_files.h) and recovers it with its own code, as an
// application's libsqlite3 would from disk, without writing a byte to disk.
//
// What SQLite sees is what the default unix VFS would show it on the
// recorded file system:
//   - names: the state's regular files under MemoryFiles::root(); a
//     -journal, a -wal or a super-journal the state lacks is missing;
//     xAccess(EXISTS) answers as unixAccess does: an empty regular file does
//     not "exist" (SQLite takes an empty journal for no journal), though it
//     opens;
//   - writes: recovery's own (a hot journal rolled back into the database,
//     the journal deleted; a -wal created), copy-on-write in MemoryFiles;
//   - -shm: none from the state.  The WAL index lives in the database file
//     object's memory (xShmMap, zeroed regions), so every open rebuilds it
//     from the -wal.  That is what unix does for the first connection after
//     any crash: the recorder keeps the -shm (SQLite writes it through
//     mmap; the trace holds its writeback), but unixLockSharedMemory
//     truncates an existing -shm when it takes the DMS lock with no other
//     connection attached, so neither a stale -shm after a power loss nor
//     the live one a killed writer left is ever read;
//   - sector size and device characteristics: unix's defaults on Linux
//     (setDeviceCharacteristics in os_unix.c: SQLITE_DEFAULT_SECTOR_SIZE,
//     4096 in Debian's build, and SQLITE_IOCAP_POWERSAFE_OVERWRITE, the
//     "psow" default; no ATOMIC, SAFE_APPEND or SEQUENTIAL).  The pager
//     derives its journal sector size from them and a VFS claiming more
//     would let SQLite trust writes a power loss can tear, so they must be
//     what the writer's own VFS reported
//     (tests/unmounted/sqlite_memory_vfs_test.cpp compares them with unix);
//   - locks: one connection, so every lock is granted; xCheckReservedLock
//     reports this connection's own RESERVED lock, as unix does;
//   - randomness, sleep, time and error text: the default VFS's.
//
// Threads: the VFS is registered once (std::call_once) under a private
// name, never as the default.  A connection's files and locks live in its
// MemorySqlite and the file objects SQLite opens through it; SQLite's
// name-only calls (xOpen, xAccess, xDelete, xFullPathname) reach them
// through the calling thread's one live MemorySqlite.  So several threads
// may each hold one; one thread holds one at a time.
#pragma once

#include <sqlite3.h>

#include <string_view>

#include "checkers/sqlite_memory_files.h"

namespace crashfs {

// The registered VFS's name (registers it at the first call).
const char* memory_vfs_name();

// sqlite3_open_v2 of the state path `path` of `files` (read-write, as a
// reader that recovers), on the in-memory VFS.  Make, use and destroy it on
// one thread: while it lives, that thread's name-only VFS calls resolve in
// `files`.  Throws std::logic_error if the thread already holds one.
class MemorySqlite {
 public:
  MemorySqlite(MemoryFiles& files, std::string_view path);
  ~MemorySqlite();  // closes the connection (without the checkpoint on close)
  MemorySqlite(const MemorySqlite&) = delete;
  MemorySqlite& operator=(const MemorySqlite&) = delete;

  // sqlite3_open_v2's result; on failure db() may still hold the error.
  int status() const { return status_; }
  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  int status_;
};

}  // namespace crashfs
