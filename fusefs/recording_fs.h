// RecordingFs: the recording passthrough file system (libfuse3 low-level API).
//
// Serves the directory it was given as a descriptor opened *before* the
// mount (so it can be mounted over that very directory) and appends every
// mutating and durability operation to the trace through the Journal: do
// the operation on the backing directory, append, then reply.
//
// Behaviour worth knowing:
//  - FUSE inode numbers are crashfs node ids (NodeTable); st_ino shown to
//    programs is the backing file's, so hard-link detection works.
//  - Kernel writeback cache, splice and passthrough are off: each write(2)
//    the program makes arrives as one WRITE, in order.
//  - fsync / fdatasync / fsyncdir are recorded and, unless real_fsync (or
//    recording is off: plain passthrough), not performed on the disk: the
//    trace decides what is durable.  O_SYNC/O_DSYNC are stripped from the
//    backing descriptors likewise and recorded as Write flags (the fsync
//    the kernel sends after each such write is not recorded again).
//  - The kernel may split one write(2) into several WRITE requests: at
//    max_write (1 MiB), and at a page boundary when the first page is not
//    in its cache.  They arrive in order, one after the other, and are
//    recorded as consecutive Write records (Linux can cut a write at the
//    same page boundary when the writer is killed).
//  - Backing descriptors never have O_APPEND: the kernel computes where an
//    append lands (under its inode lock) and sends that offset, and every
//    write is done and recorded at the offset the kernel sent.
//  - POSIX (fcntl) and flock locks are deliberately not implemented: the
//    kernel then keeps them itself, per mount, with the exact per-process /
//    per-open-file semantics.  Passing them to the backing file system from
//    this single process would merge every lock owner into one.
//  - An ACL attribute (any xattr but user.*) can change the mode on the
//    backing file system; when it does, a SetAttr record follows the
//    SetXattr/RemoveXattr one, so the trace holds the mode without ACLs.
//  - setxattr of "user.crashfs.mark" on any node is not stored: it becomes a
//    Mark record whose data is the value (how a workload labels points).
//  - With capture_output, the workload's stdout and stderr are two hidden
//    nodes at the mount root whose writes become Output records and are
//    passed on to crashfs's own stdout / stderr (output_nodes.h).
//  - The trace file is invisible on the mount (lookup ENOENT, skipped in
//    readdir) and cannot be replaced through it, so it never records itself.
//  - Release records: the kernel sends release without a caller, so the
//    record names the process that opened the handle.
//  - O_TMPFILE is not served (libfuse 3.14 has no tmpfile operation: the
//    kernel answers EOPNOTSUPP, and programs fall back to named files).
//  - No C++ exception crosses a FUSE callback (fuse_ops.cpp answers EIO).
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "fusefs/fuse_api.h"
#include "fusefs/journal.h"
#include "fusefs/node_table.h"
#include "fusefs/output_nodes.h"
#include "fusefs/process_table.h"
#include "fusefs/trace_writer.h"

namespace crashfs::fusefs {

struct FsOptions {
  bool real_fsync = false;     // also perform fsync/fdatasync/fsyncdir on the backing store
  double attr_timeout = 1.0;   // seconds the kernel may cache attributes and entries
  // Serve the output nodes (output_nodes.h), passing their bytes on to
  // forward_stdout / forward_stderr (not owned; -1: not passed on).
  bool capture_output = false;
  int forward_stdout = -1;
  int forward_stderr = -1;
};

// Name of the xattr that becomes a Mark record.
inline constexpr const char* kMarkXattr = "user.crashfs.mark";

class RecordingFs {
 public:
  // `root_fd`: descriptor on the served directory (taken over).  `writer`:
  // open trace, or null for a plain passthrough (--no-record).
  RecordingFs(int root_fd, TraceWriter* writer, FsOptions options);

  // Writes the first records: Session (data = `session_json`), then the
  // pre-existing tree: a Known record per name of every entry below the
  // directory (a hard-link group is one node with one Known per name) and
  // a KnownXattr per xattr, in a walk of the backing directory.  Call
  // once, before mounting.
  Status begin(const std::string& session_json);

  static const fuse_lowlevel_ops& operations();

  const Status& failure() const { return journal_.failure(); }
  // Hands buffered trace records to the trace writer's thread
  // (trace_writer.h); call often.
  Status push_trace() { return journal_.push(); }
  // Waits until every open file is released or `timeout` passed; true when
  // idle.  Call after the workload exited and before stopping the loop: the
  // kernel sends release asynchronously, after close(2) has returned.
  bool wait_until_released(std::chrono::milliseconds timeout) const;
  std::int64_t open_files() const { return open_files_.load(); }
  bool recording() const { return journal_.recording(); }

  // --- handlers (called through fuse_ops.cpp; each replies exactly once) ---
  void init(fuse_conn_info* conn);
  void lookup(fuse_req_t req, fuse_ino_t parent, const char* name);
  void forget(fuse_ino_t ino, std::uint64_t nlookup);
  void getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int valid, fuse_file_info* fi);
  void readlink(fuse_req_t req, fuse_ino_t ino);
  void mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev);
  void mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode);
  void symlink(fuse_req_t req, const char* target, fuse_ino_t parent, const char* name);
  void link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t new_parent, const char* new_name);
  void unlink(fuse_req_t req, fuse_ino_t parent, const char* name);
  void rmdir(fuse_req_t req, fuse_ino_t parent, const char* name);
  void rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t new_parent, const char* new_name,
              unsigned int flags);
  void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi);
  void read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
  void write_buf(fuse_req_t req, fuse_ino_t ino, fuse_bufvec* bufv, off_t off, fuse_file_info* fi);
  void flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void fsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi);
  void fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length, fuse_file_info* fi);
  void copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in, fuse_file_info* fi_in, fuse_ino_t ino_out,
                       off_t off_out, fuse_file_info* fi_out, size_t len, int flags);
  void lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, fuse_file_info* fi);
  void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi, bool plus);
  void releasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi);
  void statfs(fuse_req_t req, fuse_ino_t ino);
  void setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size, int flags);
  void getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size);
  void listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
  void removexattr(fuse_req_t req, fuse_ino_t ino, const char* name);

 private:
  struct FileHandle;
  struct DirHandle;

  Node* node(fuse_ino_t ino);
  Caller caller(fuse_req_t req);
  bool is_trace(const struct stat& st) const;
  // Looks parent/name up: a referenced node and its entry (lookup count +1).
  int do_lookup(Node& parent, const char* name, fuse_entry_param& e, const Caller& who);
  // The walk of begin() (recording_fs_walk.cpp).  Journal lock held.
  Status record_tree(const Caller& who);
  Status record_xattrs(const Node& node, const std::string& proc_path, const Caller& who);
  // The node of an existing entry parent/name with stat `st`, introduced
  // with a Known record if crashfs has not seen it.  Journal lock held.
  Node* known_node(Node& parent, const char* name, const struct stat& st, int path_fd, const Caller& who);
  // Common tail of mknod/mkdir/symlink: node for the new entry, record, reply.
  void reply_new_entry(fuse_req_t req, Node& parent, const char* name, Record rec, const Caller& who,
                       std::unique_lock<std::mutex>& lock);
  void set_owner(fuse_req_t req, Node& parent, const char* name, int fd);
  void fill_entry(fuse_entry_param& e, const Node& node, const struct stat& st) const;
  int backing_open_flags(int flags) const;
  std::uint32_t write_flags(int flags) const;
  FileHandle* new_file_handle(Node& node, int fd, int flags, const Caller& who, bool recorded);
  // FUSE_HANDLE_KILLPRIV_V2 (killpriv_io.h) makes clearing setuid/setgid
  // on write and truncate our job; crashfs works as root, so the backing
  // file system never does it.  Clears them (and records the SetAttr) when
  // the caller is not root.  Journal lock held when recording.
  Status drop_privileges_on_write(fuse_req_t req, int fd, const Node& node, const Caller& who);
  // A SetAttr(mode) record if the mode of `n` is no longer `before`: what
  // the backing file system did beyond the operation itself (an ACL xattr
  // sets the permission bits).  Journal lock held.
  Status record_mode_side_effect(const Node& n, mode_t before, const Caller& who);
  // Replies EIO after a failed append (names the failure once in the log).
  void fail_trace(fuse_req_t req, const Status& st);
  // A reserved output node name at the root (output_nodes.h).
  bool reserved(fuse_ino_t parent, const char* name) const {
    return parent == kRootNode && output_.stream_named(name) != 0;
  }
  // Handlers of the output nodes (recording_fs_output.cpp).
  void output_entry(fuse_req_t req, std::uint32_t stream);
  void output_getattr(fuse_req_t req, fuse_ino_t ino);
  void output_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void output_write(fuse_req_t req, fuse_ino_t ino, fuse_bufvec* bufv);

  Journal journal_;
  TraceWriter* writer_;
  FsOptions options_;
  NodeTable nodes_;
  OutputNodes output_;
  ProcessTable processes_;
  std::atomic<std::uint64_t> next_fh_{1};
  std::atomic<std::int64_t> open_files_{0};
  std::atomic<bool> trace_failure_logged_{false};
  uid_t euid_;
};

}  // namespace crashfs::fusefs
