// BaseContent: where the bytes of unchanged pre-existing files come from.
//
// A pre-existing file that the workload never changed has no PreImage in
// the trace: its content is whatever the recorded directory holds at that
// node's path after the run (the "final tree").  The state model asks this
// seam for those bytes, lazily, only when a state's content is read.  The
// host/ implements it over the real directory (host/directory_base_content.h);
// tests use MemoryBaseContent.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace crashfs {

class BaseContent {
 public:
  virtual ~BaseContent() = default;
  // The content of the entry at `path` (relative to the recorded directory,
  // '/'-separated) in the final tree: a regular file's bytes or a symlink's
  // target.  `out` must stay valid as long as this object lives.  Paths come
  // from the trace and are untrusted: implementations never resolve them
  // outside their directory.
  virtual Status read(std::string_view path, std::string_view& out) = 0;
};

// Final-tree contents held in memory (tests, synthetic traces).
class MemoryBaseContent : public BaseContent {
 public:
  MemoryBaseContent& add(std::string path, std::string content);
  Status read(std::string_view path, std::string_view& out) override;
  const std::map<std::string, std::string, std::less<>>& files() const { return files_; }

 private:
  std::map<std::string, std::string, std::less<>> files_;
};

}  // namespace crashfs
