// Crash states of real libsqlite3 workloads, for the tests of the sqlite
// checker's in-memory VFS (sqlite_memory_vfs_test, sqlite_checker_no_disk_test).
//
// A workload runs in a directory on disk through a VFS that wraps unix and,
// before every write, truncate and delete SQLite makes there, copies every
// file of the directory: the states a process kill at that point leaves
// (the page cache survives, so the files are what the writer had written).
// A write of 1 KiB or more is also stopped halfway once, copied with only
// its first half in place: a torn write, as a power loss may leave one.
// The -shm is copied too (it is a file SQLite writes through mmap).
#pragma once

#include <sqlite3.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "checkers/sqlite_memory_files.h"
#include "checkers/sqlite_memory_vfs.h"
#include "checkers/sqlite_view.h"
#include "core/memory_state.h"
#include "tests/common/harness.h"

namespace crashfs::test {

using Files = std::map<std::string, std::string>;  // file name in the directory -> bytes

struct CrashState {
  Files files;
  std::string torn;  // the file written halfway, if the state was taken mid-write
};

// A VFS that passes every call to unix; tests replace the calls they watch.
namespace unix_passthrough {

inline sqlite3_vfs* unix_vfs() { return sqlite3_vfs_find("unix"); }
inline int open(sqlite3_vfs*, sqlite3_filename n, sqlite3_file* f, int fl, int* out) {
  return unix_vfs()->xOpen(unix_vfs(), n, f, fl, out);
}
inline int remove(sqlite3_vfs*, const char* n, int s) { return unix_vfs()->xDelete(unix_vfs(), n, s); }
inline int access(sqlite3_vfs*, const char* n, int fl, int* out) { return unix_vfs()->xAccess(unix_vfs(), n, fl, out); }
inline int full(sqlite3_vfs*, const char* n, int sz, char* out) { return unix_vfs()->xFullPathname(unix_vfs(), n, sz, out); }
inline int randomness(sqlite3_vfs*, int n, char* out) { return unix_vfs()->xRandomness(unix_vfs(), n, out); }
inline int sleep(sqlite3_vfs*, int us) { return unix_vfs()->xSleep(unix_vfs(), us); }
inline int now(sqlite3_vfs*, double* t) { return unix_vfs()->xCurrentTime(unix_vfs(), t); }
inline int last_error(sqlite3_vfs*, int n, char* out) { return unix_vfs()->xGetLastError(unix_vfs(), n, out); }

// A version-1 VFS named `name` whose calls all go to unix.
inline sqlite3_vfs make(const char* name) {
  sqlite3_vfs v{};
  v.iVersion = 1;
  v.szOsFile = unix_vfs()->szOsFile;
  v.mxPathname = unix_vfs()->mxPathname;
  v.zName = name;
  v.xOpen = open;
  v.xDelete = remove;
  v.xAccess = access;
  v.xFullPathname = full;
  v.xRandomness = randomness;
  v.xSleep = sleep;
  v.xCurrentTime = now;
  v.xGetLastError = last_error;
  return v;
}

}  // namespace unix_passthrough

namespace snapshot_vfs {

using unix_passthrough::unix_vfs;

inline std::string g_dir;                    // the directory being recorded
inline std::vector<CrashState>* g_out = nullptr;
inline std::set<Files>* g_seen = nullptr;

inline void take(const std::string& torn = {}) {
  Files files;
  for (const auto& e : std::filesystem::directory_iterator(g_dir))
    if (e.is_regular_file()) files[e.path().filename().string()] = read_file(e.path().string());
  if (g_seen->insert(files).second) g_out->push_back(CrashState{std::move(files), torn});
}

struct File {
  sqlite3_file base;
  sqlite3_file* real;
  const char* name;
};
inline sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }
inline const sqlite3_io_methods* m(sqlite3_file* f) { return real(f)->pMethods; }

inline int close(sqlite3_file* f) {
  const int rc = m(f)->xClose(real(f));
  sqlite3_free(real(f));
  return rc;
}
inline int read(sqlite3_file* f, void* out, int n, sqlite3_int64 off) { return m(f)->xRead(real(f), out, n, off); }
inline int write(sqlite3_file* f, const void* data, int n, sqlite3_int64 off) {
  take();
  if (n >= 1024) {
    if (const int rc = m(f)->xWrite(real(f), data, n / 2, off); rc != SQLITE_OK) return rc;
    const char* name = reinterpret_cast<File*>(f)->name;
    take(name ? std::filesystem::path(name).filename().string() : std::string("?"));
  }
  return m(f)->xWrite(real(f), data, n, off);
}
inline int truncate(sqlite3_file* f, sqlite3_int64 size) {
  take();
  return m(f)->xTruncate(real(f), size);
}
inline int sync(sqlite3_file* f, int flags) { return m(f)->xSync(real(f), flags); }
inline int size(sqlite3_file* f, sqlite3_int64* out) { return m(f)->xFileSize(real(f), out); }
inline int lock(sqlite3_file* f, int l) { return m(f)->xLock(real(f), l); }
inline int unlock(sqlite3_file* f, int l) { return m(f)->xUnlock(real(f), l); }
inline int reserved(sqlite3_file* f, int* out) { return m(f)->xCheckReservedLock(real(f), out); }
inline int control(sqlite3_file* f, int op, void* arg) { return m(f)->xFileControl(real(f), op, arg); }
inline int sector(sqlite3_file* f) { return m(f)->xSectorSize(real(f)); }
inline int device(sqlite3_file* f) { return m(f)->xDeviceCharacteristics(real(f)); }
inline int shm_map(sqlite3_file* f, int r, int sz, int ext, void volatile** pp) { return m(f)->xShmMap(real(f), r, sz, ext, pp); }
inline int shm_lock(sqlite3_file* f, int o, int n, int fl) { return m(f)->xShmLock(real(f), o, n, fl); }
inline void shm_barrier(sqlite3_file* f) { m(f)->xShmBarrier(real(f)); }
inline int shm_unmap(sqlite3_file* f, int d) { return m(f)->xShmUnmap(real(f), d); }

inline const sqlite3_io_methods kMethods = {
    2,  // with xShm*, so WAL works; no xFetch (no mmap)
    close, read, write, truncate, sync, size, lock, unlock, reserved, control, sector, device,
    shm_map, shm_lock, shm_barrier, shm_unmap, nullptr, nullptr,
};

inline int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out) {
  auto* s = reinterpret_cast<File*>(f);
  f->pMethods = nullptr;
  s->real = static_cast<sqlite3_file*>(sqlite3_malloc(unix_vfs()->szOsFile));
  std::memset(s->real, 0, static_cast<std::size_t>(unix_vfs()->szOsFile));
  s->name = name;
  const int rc = unix_vfs()->xOpen(unix_vfs(), name, s->real, flags, out);
  if (s->real->pMethods == nullptr) {
    sqlite3_free(s->real);
    return rc;
  }
  f->pMethods = &kMethods;
  return rc;
}
inline int remove(sqlite3_vfs*, const char* name, int sync_dir) {
  take();
  return unix_vfs()->xDelete(unix_vfs(), name, sync_dir);
}

// Registers it (once) as "crashfs-test-snapshot"; never the default.
inline const char* name() {
  static sqlite3_vfs vfs = [] {
    sqlite3_vfs v = unix_passthrough::make("crashfs-test-snapshot");
    v.szOsFile = sizeof(File);
    v.xOpen = open;
    v.xDelete = remove;
    return v;
  }();
  static const int registered = sqlite3_vfs_register(&vfs, 0);
  if (registered != SQLITE_OK) throw std::runtime_error("cannot register the snapshot VFS");
  return vfs.zName;
}

}  // namespace snapshot_vfs

// Runs `statements` (sqlite3_exec, in order; each must succeed) on
// dir/`db`, created, and returns every distinct crash state on the way,
// the last being the directory as the workload left it.  `dir` must be
// empty.
inline std::vector<CrashState> record_sqlite(const std::string& dir, const std::string& db,
                                             const std::vector<std::string>& statements) {
  std::vector<CrashState> out;
  std::set<Files> seen;
  snapshot_vfs::g_dir = dir;
  snapshot_vfs::g_out = &out;
  snapshot_vfs::g_seen = &seen;
  sqlite3* con = nullptr;
  const std::string path = dir + "/" + db;
  if (sqlite3_open_v2(path.c_str(), &con, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, snapshot_vfs::name()) != SQLITE_OK)
    throw std::runtime_error("cannot open " + path);
  for (const std::string& sql : statements) {
    char* error = nullptr;
    if (sqlite3_exec(con, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error ? error : "?";
      sqlite3_free(error);
      sqlite3_close(con);
      throw std::runtime_error(sql + ": " + message);
    }
  }
  sqlite3_close(con);
  snapshot_vfs::take();
  snapshot_vfs::g_out = nullptr;
  snapshot_vfs::g_seen = nullptr;
  return out;
}

inline MemoryState state_of(const Files& files) {
  MemoryState state;
  for (const auto& [name, bytes] : files) state.file(name, bytes);
  return state;
}

// What the checker reads from `unit` of `files`, in memory, with the
// state's files under `root`; `memory` (optional) gets the files as SQLite
// left them.
struct MemoryRead {
  SqliteRead read;
  bool wrote_db = false;                            // SQLite wrote the database: a rollback
  std::vector<MemoryFiles::Consulted> consulted;  // what it looked up besides the unit's files
};

inline MemoryRead read_in_memory(const Files& files, const std::string& root, const std::string& unit) {
  const MemoryState state = state_of(files);
  MemoryFiles memory(state, root, {unit, unit + "-journal", unit + "-wal"});
  MemoryRead out;
  {
    MemorySqlite sqlite(memory, unit);
    out.read = sqlite.status() == SQLITE_OK ? read_sqlite_view(sqlite.db()) : sqlite_open_failure(sqlite.db());
  }
  const auto db = memory.find(memory.name_of(unit));
  out.wrote_db = db && *db && (*db)->copied();
  out.consulted = memory.consulted();
  return out;
}

// The same read on disk with the default (unix) VFS: `files` are written to
// `dir` (emptied first; the directory the workload ran in, so absolute
// names in journals resolve as they did) and libsqlite3 opens dir/`unit`.
inline SqliteRead read_on_disk(const Files& files, const std::string& dir, const std::string& unit) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) std::filesystem::remove_all(e.path());
  for (const auto& [name, bytes] : files) write_file(dir + "/" + name, bytes);
  sqlite3* db = nullptr;
  const std::string path = dir + "/" + unit;
  SqliteRead out = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK
                       ? read_sqlite_view(db)
                       : sqlite_open_failure(db);
  sqlite3_close_v2(db);
  return out;
}

}  // namespace crashfs::test
