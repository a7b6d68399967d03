// Internals shared by the recording_fs*.cpp files: handle structs and small
// descriptor helpers.  Not part of the fusefs interface.
#pragma once

#include <dirent.h>

#include <cstdint>
#include <cstdio>

#include "fusefs/recording_fs.h"

namespace crashfs::fusefs {

// fi->fh of an open file.
struct RecordingFs::FileHandle {
  std::uint64_t id = 0;       // the `fh` written into records
  int fd = -1;                // backing descriptor
  Node* node = nullptr;
  int flags = 0;              // open flags as the program passed them
  std::uint32_t write_flags = 0;  // kWriteSynced / kWriteDsynced
  bool recorded = false;      // has an Open or Create record, so its release is recorded
  // The last record of this handle is an O_SYNC/O_DSYNC write: the fsync the
  // kernel itself sends right after it (generic_write_sync) adds nothing.
  bool synced_write_last = false;
  Caller opener;              // for requests the kernel sends without a caller
};

// fi->fh of an open directory.
struct RecordingFs::DirHandle {
  std::uint64_t id = 0;
  DIR* dp = nullptr;
  off_t offset = 0;
  dirent* entry = nullptr;  // read but not yet returned (did not fit)
  Node* node = nullptr;
};

// The bytes of a WRITE request in memory: a view of the request buffer, or a
// copy into a thread-local buffer (valid until the thread's next call) when
// libfuse handed them otherwise.  nullptr with `err` set when copying failed.
const char* write_bytes(fuse_bufvec* bufv, std::size_t size, int& err);

// "/proc/self/fd/N": reopens an O_PATH descriptor with real access.
struct ProcPath {
  explicit ProcPath(int fd) { std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd); }
  const char* c_str() const { return path; }
  char path[40];
};

}  // namespace crashfs::fusefs
