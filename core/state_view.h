// StateView: a read-only view of one file-system state (a crash state, or
// the state a crash-free run had at some point).  This is what checkers see.
//
// Paths are relative to the recorded directory, '/'-separated, with no
// leading slash; the recorded directory itself is "".  Only nodes the trace
// knows are listed: files the workload never touched (not even looked up)
// are unchanged by definition and are not part of the view.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/content_hash.h"
#include "core/trace_record.h"

namespace crashfs {

struct FileEntry {
  std::string path;
  NodeKind kind = NodeKind::kNone;
  NodeId node = 0;
  std::uint32_t mode = 0;  // permission bits and file type (st_mode)
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  ContentHash hash;        // of the content (files), target (symlinks); zero for dirs
};

// A byte range of a file in a state and where its bytes came from.
struct Provenance {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  Seq seq = 0;          // the operation that put these bytes there (0: pre-existing content)
  bool zeros = false;   // bytes read as zeros (hole, grown region, lost data)
};

// The content of one file version, kept independently of the view it came
// from (a checker may hold it to resume from later: checkers/checker.h).
class FileContent {
 public:
  virtual ~FileContent() = default;
  virtual std::uint64_t size() const = 0;
  // Appends the bytes [offset, offset + length) (clipped to the size) to `out`.
  virtual void read(std::uint64_t offset, std::uint64_t length, std::string& out) const = 0;
  // The length of the longest common prefix of the two contents.  Versions
  // that share structure (image_view.h) answer in O(log size + the bytes
  // that differ); otherwise the bytes are compared.
  virtual std::uint64_t common_prefix(const FileContent& other) const;
};

// A FileContent over bytes it owns.
class BytesContent : public FileContent {
 public:
  explicit BytesContent(std::string bytes) : bytes_(std::move(bytes)) {}
  std::uint64_t size() const override { return bytes_.size(); }
  void read(std::uint64_t offset, std::uint64_t length, std::string& out) const override;

 private:
  std::string bytes_;
};

class StateView {
 public:
  virtual ~StateView() = default;

  // Every entry, sorted by path (directories, files, symlinks).
  virtual const std::vector<FileEntry>& entries() const = 0;
  // The entry at `path`, or nullptr.
  virtual const FileEntry* find(std::string_view path) const = 0;
  // The whole content of a regular file (or a symlink's target).
  virtual std::string read(const FileEntry& entry) const = 0;
  // Where the bytes [offset, offset+length) of `entry` came from, in order.
  virtual std::vector<Provenance> provenance(const FileEntry& entry, std::uint64_t offset,
                                             std::uint64_t length) const = 0;
  // The content of a regular file (or a symlink's target) as a FileContent
  // that outlives the view.  The default copies read(entry).
  virtual std::shared_ptr<const FileContent> content(const FileEntry& entry) const;
};

}  // namespace crashfs
