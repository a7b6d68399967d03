// BaseStore: resolves the original bytes of pre-existing files that the
// trace has no PreImage for (Extent::base), through a BaseContent.
//
// Such a file was never changed, so its bytes are the file at that node's
// path in the final tree: the path the node has after every operation
// (renames move unchanged files too).  Bytes are fetched once per node, on
// first use.  A failure (no base given, file missing, size different from
// what the trace recorded: the directory changed after recording) reads as
// zeros and is remembered: status() names the first one, so a command can
// refuse to trust the result.
//
// Thread-safe (a lock), but the first call of base_bytes() or final_path()
// makes the final image with the state builder: make it on the thread that
// owns the builder (the check runner does, before it starts threads).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/base_content.h"
#include "core/fs_image.h"
#include "core/rope.h"
#include "core/status.h"

namespace crashfs {

class BaseStore : public BaseResolver {
 public:
  // `content` may be null (no base available).  `final_image` is called at
  // most once, on the first base read, and returns the image after every
  // operation.
  BaseStore(BaseContent* content, FsImage initial, std::function<FsImage()> final_image);

  std::string_view base_bytes(NodeId node) const override;
  // The node's path in the final tree, if it is still linked there.
  std::optional<std::string> final_path(NodeId node) const;
  const Status& status() const { return status_; }

 private:
  std::optional<std::string> final_path_locked(NodeId node) const;

  BaseContent* content_;
  FsImage initial_;
  std::function<FsImage()> make_final_;
  mutable std::mutex mutex_;  // guards the three below
  mutable std::optional<FsImage> final_;
  mutable std::unordered_map<NodeId, std::string_view> cache_;
  mutable Status status_;
};

}  // namespace crashfs
