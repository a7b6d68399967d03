// Journal: the recording policy shared by every FUSE handler.
//
// One mutation lock orders the trace: a mutating handler takes lock(), does
// its operation on the backing directory, appends its record(s), releases
// the lock and only then replies.  So trace order equals the order
// operations hit the backing store, and an operation the program saw
// succeed is in the trace.  Reads never take the lock.
//
// Under the lock the Journal also keeps the trace self-contained:
//  - ProcessInfo (data = comm) before the first record of a pid, and again
//    when the pid's comm changed (exec);
//  - Known for each name of the pre-existing tree (the walk when recording
//    starts, recording_fs_walk.cpp), KnownXattr for each of its xattrs;
//  - PreImage records with the full prior content of a pre-existing regular
//    file before its first change (at most once per node; an empty file gets
//    one empty PreImage so "has a pre-image" is explicit).
//
// With recording off (--no-record) every append is a no-op and lock() still
// serializes mutations (cheap, keeps one code path).
//
// Append failures (disk full) are sticky: failure() names the trace and the
// reason, and handlers answer EIO from then on.
#pragma once

#include <sys/stat.h>

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "core/trace_record.h"
#include "fusefs/node_table.h"
#include "fusefs/process_table.h"
#include "fusefs/trace_writer.h"

namespace crashfs::fusefs {

class Journal {
 public:
  // `writer` may be null: nothing is recorded.
  explicit Journal(TraceWriter* writer) : writer_(writer) {}

  bool recording() const { return writer_ != nullptr; }
  [[nodiscard]] std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex_); }
  // Hands the records the trace writer buffers to its writer thread
  // (takes the lock; does not wait for the disk).
  Status push();

  // The rest requires lock() held.

  // Appends `rec` made by `who` (pid/tid filled in here).  ok() without
  // recording.
  Status append(Record& rec, const Caller& who);
  // Appends `rec` splitting `data` into kMaxDataChunk pieces (offset advanced
  // per piece): Write and PreImage records.
  Status append_chunked(Record rec, std::string_view data, const Caller& who);
  // Known record for a pre-existing node found at parent/name with `st`;
  // `link_target` for symlinks.
  Status known(const Node& node, NodeId parent, std::string_view name, const struct stat& st,
               std::string_view link_target, const Caller& who);
  // KnownXattr record: `node` had xattr `name` = `value` before recording.
  Status known_xattr(const Node& node, std::string_view name, std::string_view value, const Caller& who);
  // PreImage records of `node` if it is a pre-existing regular file without
  // one yet.  `read_fd` is a readable descriptor on it, or -1 to open one
  // through the node's O_PATH descriptor.
  Status preimage(Node& node, int read_fd, const Caller& who);
  // Like preimage(), opening the file as dir_fd/name.
  Status preimage_at(Node& node, int dir_fd, const char* name, const Caller& who);

  bool needs_preimage(const Node& node) const {
    return writer_ != nullptr && node.preexisting && !node.preimage_written && node.kind == NodeKind::kFile;
  }
  const Status& failure() const;

 private:
  Status preimage_from(Node& node, int read_fd, const Caller& who);

  TraceWriter* writer_;
  std::mutex mutex_;
  std::unordered_map<std::uint32_t, std::shared_ptr<const std::string>> comm_written_;  // pid -> comm in trace
  Status no_failure_;
};

// Converts a stat time to nanoseconds since the epoch.
std::int64_t to_ns(const struct timespec& ts);

}  // namespace crashfs::fusefs
