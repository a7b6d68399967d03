// TraceBuilder: a fluent builder of synthetic traces for tests and
// benchmarks, written the way the recorder writes real ones.
//
//   TraceBuilder b;                       // Session + ProcessInfo + Known root
//   b.existing_file("conf", "old")        // Known record; content in base()
//    .create("conf.tmp").append("conf.tmp", "new").fsync("conf.tmp")
//    .rename("conf.tmp", "conf")          // PreImage of the replaced "conf" first
//    .fsyncdir("");
//   Trace t = b.build();                  // t owns the bytes
//   MemoryBaseContent base = b.base();    // final-tree bytes of untouched files
//
// Paths are relative to the recorded directory, '/'-separated, "" is the
// root.  Seqs count up from 1 over every record; time_ns grows with seq.
// Node ids are assigned 2, 3, ... in order of first appearance (root = 1).
// Like the recorder, the builder emits the PreImage of a pre-existing file
// right before the first operation that changes or destroys it, and a
// Truncate after an Open with O_TRUNC.  It does not model errors: misuse
// (an unknown path, a create over an existing one) throws
// std::invalid_argument.  For hostile traces, push raw records with add().
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/base_content.h"
#include "core/trace.h"
#include "core/trace_record.h"

namespace crashfs {

class TraceBuilder {
 public:
  explicit TraceBuilder(std::string recorded_dir = "/recorded");

  // Pre-existing entries: a Known record each (parents must be known).
  TraceBuilder& existing_dir(std::string_view path, std::uint32_t mode = 040755);
  TraceBuilder& existing_file(std::string_view path, std::string content, std::uint32_t mode = 0100644);
  TraceBuilder& existing_symlink(std::string_view path, std::string target);
  // A pre-existing fifo, socket or device (mode with its type bits).
  TraceBuilder& existing_special(std::string_view path, std::uint32_t mode, std::uint64_t rdev = 0);
  // One more pre-existing name of the pre-existing `existing` (a hard link).
  TraceBuilder& existing_link(std::string_view existing, std::string_view new_path);
  // An xattr a pre-existing entry has (a KnownXattr record).
  TraceBuilder& existing_xattr(std::string_view path, std::string_view name, std::string_view value);

  // Entry operations.
  TraceBuilder& create(std::string_view path, std::uint32_t mode = 0100644, std::uint32_t open_flags = 01101);
  TraceBuilder& mkdir(std::string_view path, std::uint32_t mode = 040755);
  TraceBuilder& mknod(std::string_view path, std::uint32_t mode = 010644);
  TraceBuilder& symlink(std::string_view path, std::string_view target);
  TraceBuilder& link(std::string_view existing, std::string_view new_path);
  TraceBuilder& unlink(std::string_view path);
  TraceBuilder& rmdir(std::string_view path);
  // flags: kRenameNoReplace / kRenameExchange / kRenameWhiteout (a new
  // whiteout node, owned by 0:0, then sits at `from`); the victim is found
  // by path.
  TraceBuilder& rename(std::string_view from, std::string_view to, std::uint32_t flags = 0);

  // Data and attribute operations.
  TraceBuilder& open(std::string_view path, std::uint32_t open_flags);
  TraceBuilder& write(std::string_view path, std::uint64_t offset, std::string_view data, std::uint32_t flags = 0);
  TraceBuilder& append(std::string_view path, std::string_view data, std::uint32_t flags = 0);
  TraceBuilder& truncate(std::string_view path, std::uint64_t length);
  TraceBuilder& fallocate(std::string_view path, std::uint64_t offset, std::uint64_t length, std::uint32_t mode = 0);
  TraceBuilder& chmod(std::string_view path, std::uint32_t mode);
  TraceBuilder& set_mtime(std::string_view path, std::int64_t mtime_ns);
  TraceBuilder& setxattr(std::string_view path, std::string_view name, std::string_view value);
  TraceBuilder& removexattr(std::string_view path, std::string_view name);
  TraceBuilder& release(std::string_view path);

  // Durability operations ("" = the root directory).
  TraceBuilder& fsync(std::string_view path);
  TraceBuilder& fdatasync(std::string_view path);
  TraceBuilder& fsyncdir(std::string_view path);

  // Other records.
  TraceBuilder& mark(std::string_view label);
  // One write of the workload to a stream (kOutputStdout / kOutputStderr).
  TraceBuilder& output(std::uint32_t stream, std::string_view bytes);
  // Later records come from this process (a ProcessInfo record is emitted).
  TraceBuilder& as_process(std::uint32_t pid, std::string_view comm);
  // Appends a raw record (seq, time, pid and tid are filled in when 0);
  // string views must point to storage that outlives the trace, e.g. keep().
  TraceBuilder& add(Record rec);
  // Copies `bytes` into the builder's storage and returns a view of the copy.
  std::string_view keep(std::string_view bytes);

  // Results.
  Seq last_seq() const { return next_seq_ - 1; }
  NodeId node(std::string_view path) const;
  bool exists(std::string_view path) const { return paths_.count(std::string(path)) > 0; }
  const std::vector<Record>& records() const { return records_; }
  Trace build() const;
  std::string encode() const;  // trace file bytes
  // Final-tree content of every pre-existing file or symlink the trace
  // never changed, at its final path.
  MemoryBaseContent base() const;

 private:
  struct NodeInfo {
    NodeKind kind = NodeKind::kNone;
    std::uint64_t size = 0;
    bool pre_existing = false;
    bool pre_imaged = false;
    std::string original;  // pre-existing content (files) or target (symlinks)
  };

  Record& emit(RecordType type);
  std::pair<NodeId, std::string_view> parent_and_name(std::string_view path);
  NodeId add_known(std::string_view path, NodeKind kind, std::uint32_t mode, std::uint64_t size, std::string_view data);
  NodeId new_entry(std::string_view path, NodeKind kind);
  void pre_image(NodeId node);
  void drop_path(std::string_view path);  // and everything below it
  void move_paths(const std::string& from, const std::string& to);
  int link_count(NodeId node) const;
  NodeId require(std::string_view path) const;

  std::shared_ptr<std::deque<std::string>> storage_ = std::make_shared<std::deque<std::string>>();
  std::vector<Record> records_;
  std::map<std::string, NodeId> paths_;
  std::map<NodeId, NodeInfo> nodes_;
  Seq next_seq_ = 1;
  NodeId next_node_ = 2;
  std::uint32_t pid_ = 100;
};

}  // namespace crashfs
