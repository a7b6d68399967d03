// OutputNodes: the workload's stdout and stderr, served by the mount.
//
// Two reserved, hidden regular files at the mount root, kStdoutName and
// kStderrName, exist only while output capture is on (crashfs record / run,
// not --no-record).  The workload process opens them (O_WRONLY|O_APPEND)
// after the mount is ready and dup2()s them onto its fds 1 and 2 before it
// execs (host/record_child.h), so every write(2) to its stdout or stderr is a
// FUSE WRITE like a write to any file: the request-ordering machinery
// (request_order.h) runs it after every mutating request the kernel queued
// before it, i.e. after every file operation that completed before the
// write(2) began, and before every one that began after it returned.  The
// recorder appends it as an Output record (flags = stream, data = the bytes)
// and then passes the bytes on to crashfs's own stdout / stderr (forward()),
// before replying, so the workload's write returns once the bytes are there,
// as it would natively.
//
// The nodes:
//  - have FUSE node ids above kOutputNodeBase (far above any NodeTable id)
//    and are not in the NodeTable: handlers route them with one integer
//    compare (is_output_node) or inside their existing "unknown node" branch,
//    so ordinary files pay nothing else;
//  - are opened with direct_io (each write(2) reaches crashfs at once, no
//    page cache) and noflush (no FLUSH round trip at each close);
//  - look like a regular file of mode 0622 owned by crashfs's user, whose
//    size is the number of bytes written to it; reads return end of file;
//    truncation (`> /dev/stdout`) and attribute changes are accepted and
//    ignored; fsync is accepted and not recorded (it is not a durability
//    point); fallocate is refused (EOPNOTSUPP), copy_file_range falls back to
//    plain writes (EXDEV);
//  - are not listed by readdir, cannot be created, removed, renamed or linked
//    (EEXIST / EPERM), and hide a backing file of the same name at the top of
//    the recorded directory for the whole recording.
//
// Forwarding: a failing forward (EPIPE: crashfs's stdout is a closed pipe;
// EBADF; EIO) disables forwarding of that stream for good, with one warning;
// recording goes on and the workload's write still succeeds.  A full pipe
// blocks the write, as it would block the workload natively.
//
// Thread-safe: sizes and the broken flags are atomics; forward() is called
// from serialized WRITE handlers only, so forwards do not interleave.
#pragma once

#include <sys/stat.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <ctime>
#include <string_view>

#include "core/trace_record.h"
#include "fusefs/fuse_api.h"

namespace crashfs::fusefs {

inline constexpr const char* kStdoutName = ".crashfs-stdout";
inline constexpr const char* kStderrName = ".crashfs-stderr";
inline constexpr fuse_ino_t kOutputNodeBase = 0x7fff'ffff'ffff'ff00ull;

// True for the FUSE node of an output stream.
inline bool is_output_node(fuse_ino_t ino) { return ino > kOutputNodeBase; }
// The stream (kOutputStdout / kOutputStderr) an output node serves.
inline std::uint32_t output_stream_of(fuse_ino_t ino) { return static_cast<std::uint32_t>(ino - kOutputNodeBase); }
inline fuse_ino_t output_node_of(std::uint32_t stream) { return kOutputNodeBase + stream; }

class OutputNodes {
 public:
  OutputNodes() = default;

  // Turns capture on: the output nodes exist, and their bytes are passed on
  // to `stdout_fd` / `stderr_fd` (not owned; -1: not passed on).
  void enable(int stdout_fd, int stderr_fd);
  bool enabled() const { return enabled_; }

  // The stream a root entry name reserves (0: an ordinary name, or capture off).
  std::uint32_t stream_named(const char* name) const;
  // Attributes of the node of `stream`.
  struct stat attributes(std::uint32_t stream) const;

  // Counts `bytes` written to `stream` and passes them on.
  void forward(std::uint32_t stream, std::string_view bytes);

 private:
  struct Stream {
    int fd = -1;
    std::atomic<std::uint64_t> size{0};
    std::atomic<bool> broken{false};
  };
  Stream* stream(std::uint32_t s) { return s == kOutputStdout || s == kOutputStderr ? &streams_[s - 1] : nullptr; }

  bool enabled_ = false;
  std::array<Stream, 2> streams_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  timespec started_{};
};

}  // namespace crashfs::fusefs
