// MemoryState: a StateView over plain in-memory files.  For tests of
// checkers and for small hand-built states; the explorer has its own
// copy-on-write representation.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/state_view.h"

namespace crashfs {

class MemoryState : public StateView {
 public:
  // Adds or replaces a regular file (parent directories are implied).
  MemoryState& file(std::string path, std::string content, std::int64_t mtime_ns = 0, std::uint32_t mode = 0100644);
  MemoryState& dir(std::string path, std::uint32_t mode = 040755);
  MemoryState& symlink(std::string path, std::string target);
  MemoryState& remove(std::string_view path);
  // Every byte of `path` is attributed to operation `seq` (default: 0).
  MemoryState& attribute(std::string_view path, Seq seq);

  const std::vector<FileEntry>& entries() const override;
  const FileEntry* find(std::string_view path) const override;
  std::string read(const FileEntry& entry) const override;
  std::vector<Provenance> provenance(const FileEntry& entry, std::uint64_t offset,
                                     std::uint64_t length) const override;

 private:
  struct Item {
    FileEntry entry;
    std::string content;
    Seq seq = 0;
  };
  std::map<std::string, Item, std::less<>> items_;
  mutable std::vector<FileEntry> entries_;
  mutable bool dirty_ = true;
  NodeId next_node_ = 2;
};

}  // namespace crashfs
