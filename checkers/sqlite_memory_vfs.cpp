#include "checkers/sqlite_memory_vfs.h"

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace crashfs {
namespace {

constexpr const char* kVfsName = "crashfs-memory";
// What unix reports on Linux (os_unix.c, setDeviceCharacteristics): the
// compile-time SQLITE_DEFAULT_SECTOR_SIZE (4096 in Debian's libsqlite3,
// `PRAGMA compile_options`) and POWERSAFE_OVERWRITE (the "psow" URI
// parameter's default, SQLITE_POWERSAFE_OVERWRITE=1), nothing else.
constexpr int kSectorSize = 4096;
constexpr int kDeviceCharacteristics = SQLITE_IOCAP_POWERSAFE_OVERWRITE;
constexpr int kMaxPathname = 512;  // unix's MAX_PATHNAME

// The files of this thread's live MemorySqlite, for the calls that bring
// only a name; null when it holds none.
thread_local MemoryFiles* t_files = nullptr;

// An open file: its bytes and this connection's locks on it.
struct OpenFile {
  std::shared_ptr<MemoryFile> file;
  int lock = SQLITE_LOCK_NONE;
  int persist_wal = 0;                       // SQLITE_FCNTL_PERSIST_WAL (unix: off)
  std::vector<std::unique_ptr<char[]>> shm;  // the WAL index (the main database's file)
};

// What SQLite allocates (szOsFile bytes) for each file it opens.
struct VfsFile {
  sqlite3_file base;  // first: what SQLite sees
  OpenFile* open;
};
static_assert(std::is_standard_layout_v<VfsFile>);

OpenFile& open_file(sqlite3_file* f) { return *reinterpret_cast<VfsFile*>(f)->open; }

// No C++ exception may unwind through SQLite's C frames.
template <typename F>
int guarded(int failure, F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (...) {
    return failure;
  }
}

// --- the file methods ---

int file_close(sqlite3_file* f) {
  delete reinterpret_cast<VfsFile*>(f)->open;
  reinterpret_cast<VfsFile*>(f)->open = nullptr;
  return SQLITE_OK;
}

int file_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  const auto n = static_cast<std::size_t>(amount);
  const std::size_t got = open_file(f).file->read(static_cast<std::uint64_t>(offset), n, static_cast<char*>(out));
  if (got == n) return SQLITE_OK;
  // SQLite requires the rest zeroed on a short read.
  std::memset(static_cast<char*>(out) + got, 0, n - got);
  return SQLITE_IOERR_SHORT_READ;
}

int file_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  return guarded(SQLITE_IOERR_WRITE, [&] {
    open_file(f).file->write(static_cast<std::uint64_t>(offset), static_cast<const char*>(data),
                             static_cast<std::size_t>(amount));
    return SQLITE_OK;
  });
}

int file_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return guarded(SQLITE_IOERR_TRUNCATE, [&] {
    open_file(f).file->truncate(static_cast<std::uint64_t>(size));
    return SQLITE_OK;
  });
}

int file_sync(sqlite3_file*, int) { return SQLITE_OK; }

int file_size(sqlite3_file* f, sqlite3_int64* size) {
  *size = static_cast<sqlite3_int64>(open_file(f).file->size());
  return SQLITE_OK;
}

// One connection: every lock is granted at once.
int file_lock(sqlite3_file* f, int level) {
  OpenFile& o = open_file(f);
  if (level > o.lock) o.lock = level;
  return SQLITE_OK;
}

int file_unlock(sqlite3_file* f, int level) {
  OpenFile& o = open_file(f);
  if (level < o.lock) o.lock = level;
  return SQLITE_OK;
}

// unixCheckReservedLock counts this process's own lock too; no one else's
// can exist here.
int file_check_reserved_lock(sqlite3_file* f, int* reserved) {
  *reserved = open_file(f).lock >= SQLITE_LOCK_RESERVED;
  return SQLITE_OK;
}

int file_control(sqlite3_file* f, int op, void* arg) {
  OpenFile& o = open_file(f);
  switch (op) {
    case SQLITE_FCNTL_LOCKSTATE:
      *static_cast<int*>(arg) = o.lock;
      return SQLITE_OK;
    case SQLITE_FCNTL_VFSNAME:
      *static_cast<char**>(arg) = sqlite3_mprintf("%s", kVfsName);
      return SQLITE_OK;
    case SQLITE_FCNTL_PERSIST_WAL: {
      int* value = static_cast<int*>(arg);
      if (*value < 0) *value = o.persist_wal;
      else o.persist_wal = *value != 0;
      return SQLITE_OK;
    }
    case SQLITE_FCNTL_HAS_MOVED:
      *static_cast<int*>(arg) = 0;
      return SQLITE_OK;
    case SQLITE_FCNTL_SIZE_HINT:   // unix grows a file ahead only with a chunk size set
    case SQLITE_FCNTL_CHUNK_SIZE:  // (none is by default): allocation, not content
      return SQLITE_OK;
    default:
      return SQLITE_NOTFOUND;
  }
}

int file_sector_size(sqlite3_file*) { return kSectorSize; }
int file_device_characteristics(sqlite3_file*) { return kDeviceCharacteristics; }

// The WAL index: zeroed regions made on demand, as a truncated -shm is.
int file_shm_map(sqlite3_file* f, int region, int region_size, int extend, void volatile** out) {
  return guarded(SQLITE_IOERR_SHMMAP, [&] {
    OpenFile& o = open_file(f);
    const auto index = static_cast<std::size_t>(region);
    if (index >= o.shm.size()) {
      if (!extend) {
        *out = nullptr;
        return SQLITE_OK;
      }
      while (o.shm.size() <= index) o.shm.push_back(std::make_unique<char[]>(static_cast<std::size_t>(region_size)));
    }
    *out = o.shm[index].get();
    return SQLITE_OK;
  });
}

int file_shm_lock(sqlite3_file*, int, int, int) { return SQLITE_OK; }
void file_shm_barrier(sqlite3_file*) { std::atomic_thread_fence(std::memory_order_seq_cst); }

int file_shm_unmap(sqlite3_file* f, int) {
  open_file(f).shm.clear();
  return SQLITE_OK;
}

const sqlite3_io_methods kFileMethods = {
    2,  // iVersion: with xShm*, so WAL databases open as on unix (no mmap: xFetch is version 3)
    file_close,
    file_read,
    file_write,
    file_truncate,
    file_sync,
    file_size,
    file_lock,
    file_unlock,
    file_check_reserved_lock,
    file_control,
    file_sector_size,
    file_device_characteristics,
    file_shm_map,
    file_shm_lock,
    file_shm_barrier,
    file_shm_unmap,
    nullptr,
    nullptr,
};

// --- the VFS methods ---

sqlite3_vfs* default_vfs(sqlite3_vfs* self) { return static_cast<sqlite3_vfs*>(self->pAppData); }

int vfs_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  f->pMethods = nullptr;  // SQLite closes only what opened
  return guarded(SQLITE_CANTOPEN, [&] {
    std::shared_ptr<MemoryFile> file;
    if (name == nullptr) {
      file = std::make_shared<MemoryFile>();  // a temporary file: nameless, gone at close
    } else {
      MemoryFiles* files = t_files;
      if (files == nullptr) return SQLITE_CANTOPEN;
      if (const auto found = files->find(name)) {
        if (*found == nullptr) return SQLITE_CANTOPEN;  // a directory, ...
        if ((flags & SQLITE_OPEN_EXCLUSIVE) && (flags & SQLITE_OPEN_CREATE)) return SQLITE_CANTOPEN;
        file = *found;
      } else {
        if (!(flags & SQLITE_OPEN_CREATE)) return SQLITE_CANTOPEN;
        file = files->create(name);
      }
      if (flags & SQLITE_OPEN_DELETEONCLOSE) files->remove(name);  // unix unlinks it at once
    }
    auto open = std::make_unique<OpenFile>();
    open->file = std::move(file);
    reinterpret_cast<VfsFile*>(f)->open = open.release();
    f->pMethods = &kFileMethods;
    if (out_flags) *out_flags = flags;
    return SQLITE_OK;
  });
}

int vfs_delete(sqlite3_vfs*, const char* name, int) {
  return guarded(SQLITE_IOERR_DELETE, [&] {
    if (t_files == nullptr) return SQLITE_IOERR_DELETE;
    return t_files->remove(name) ? SQLITE_OK : SQLITE_IOERR_DELETE_NOENT;  // unix's answers
  });
}

int vfs_access(sqlite3_vfs*, const char* name, int flags, int* result) {
  return guarded(SQLITE_IOERR_ACCESS, [&] {
    if (t_files == nullptr) return SQLITE_IOERR_ACCESS;
    const auto found = t_files->find(name);
    if (!found) *result = 0;
    // unixAccess: a regular file "exists" only if it is not empty.
    else if (flags == SQLITE_ACCESS_EXISTS) *result = *found == nullptr || (*found)->size() > 0;
    else *result = 1;
    return SQLITE_OK;
  });
}

int vfs_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return guarded(SQLITE_CANTOPEN, [&] {
    std::string full = name;
    if (full.empty() || full.front() != '/') {
      if (t_files == nullptr) return SQLITE_CANTOPEN;
      full = t_files->root() + "/" + full;
    }
    if (full.size() + 1 > static_cast<std::size_t>(size)) return SQLITE_CANTOPEN;
    std::memcpy(out, full.c_str(), full.size() + 1);
    return SQLITE_OK;
  });
}

void* vfs_dl_open(sqlite3_vfs* v, const char* name) { return default_vfs(v)->xDlOpen(default_vfs(v), name); }
void vfs_dl_error(sqlite3_vfs* v, int n, char* out) { default_vfs(v)->xDlError(default_vfs(v), n, out); }
void (*vfs_dl_sym(sqlite3_vfs* v, void* handle, const char* symbol))(void) {
  return default_vfs(v)->xDlSym(default_vfs(v), handle, symbol);
}
void vfs_dl_close(sqlite3_vfs* v, void* handle) { default_vfs(v)->xDlClose(default_vfs(v), handle); }
int vfs_randomness(sqlite3_vfs* v, int n, char* out) { return default_vfs(v)->xRandomness(default_vfs(v), n, out); }
int vfs_sleep(sqlite3_vfs* v, int micros) { return default_vfs(v)->xSleep(default_vfs(v), micros); }
int vfs_current_time(sqlite3_vfs* v, double* now) { return default_vfs(v)->xCurrentTime(default_vfs(v), now); }
int vfs_last_error(sqlite3_vfs* v, int n, char* out) { return default_vfs(v)->xGetLastError(default_vfs(v), n, out); }
int vfs_current_time64(sqlite3_vfs* v, sqlite3_int64* now) {
  sqlite3_vfs* d = default_vfs(v);
  if (d->iVersion >= 2 && d->xCurrentTimeInt64 != nullptr) return d->xCurrentTimeInt64(d, now);
  double days = 0;
  const int rc = d->xCurrentTime(d, &days);
  *now = static_cast<sqlite3_int64>(days * 86400000.0);
  return rc;
}

}  // namespace

const char* memory_vfs_name() {
  static std::once_flag once;
  std::call_once(once, [] {
    static sqlite3_vfs vfs{};
    sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
    if (base == nullptr) throw std::runtime_error("sqlite: libsqlite3 has no default VFS");
    vfs.iVersion = 2;
    vfs.szOsFile = sizeof(VfsFile);
    vfs.mxPathname = kMaxPathname;
    vfs.zName = kVfsName;
    vfs.pAppData = base;
    vfs.xOpen = vfs_open;
    vfs.xDelete = vfs_delete;
    vfs.xAccess = vfs_access;
    vfs.xFullPathname = vfs_full_pathname;
    vfs.xDlOpen = vfs_dl_open;
    vfs.xDlError = vfs_dl_error;
    vfs.xDlSym = vfs_dl_sym;
    vfs.xDlClose = vfs_dl_close;
    vfs.xRandomness = vfs_randomness;
    vfs.xSleep = vfs_sleep;
    vfs.xCurrentTime = vfs_current_time;
    vfs.xGetLastError = vfs_last_error;
    vfs.xCurrentTimeInt64 = vfs_current_time64;
    if (const int rc = sqlite3_vfs_register(&vfs, /*makeDflt=*/0); rc != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite: cannot register the in-memory VFS: ") + sqlite3_errstr(rc));
  });
  return kVfsName;
}

MemorySqlite::MemorySqlite(MemoryFiles& files, std::string_view path) {
  const char* vfs = memory_vfs_name();
  const std::string name = files.name_of(path);
  if (t_files != nullptr) throw std::logic_error("sqlite: this thread already holds an in-memory connection");
  t_files = &files;
  status_ = sqlite3_open_v2(name.c_str(), &db_, SQLITE_OPEN_READWRITE, vfs);
  // Closing the last connection to a WAL database checkpoints it: a copy of
  // the database and writes no view is read from (it is read before).
  if (status_ == SQLITE_OK) sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
}

MemorySqlite::~MemorySqlite() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
  t_files = nullptr;
}

}  // namespace crashfs
