#include "core/base_store.h"

#include <fmt/format.h>

namespace crashfs {

BaseStore::BaseStore(BaseContent* content, FsImage initial, std::function<FsImage()> final_image)
    : content_(content), initial_(std::move(initial)), make_final_(std::move(final_image)) {}

std::optional<std::string> BaseStore::final_path(NodeId node) const {
  const std::lock_guard lock(mutex_);
  return final_path_locked(node);
}

std::optional<std::string> BaseStore::final_path_locked(NodeId node) const {
  if (!final_) final_ = make_final_();
  return final_->path_of(node);
}

std::string_view BaseStore::base_bytes(NodeId node) const {
  const std::lock_guard lock(mutex_);
  if (auto it = cache_.find(node); it != cache_.end()) return it->second;
  std::string_view bytes;
  auto fail = [&](Status st) {
    if (status_.is_ok()) status_ = std::move(st);
  };
  const std::optional<std::string> path = final_path_locked(node);
  if (!path) {
    fail(Status::not_found(fmt::format(
        "node {} has no PreImage and is not in the final tree: the trace is incomplete (re-record it)", node)));
  } else if (content_ == nullptr) {
    fail(Status::not_found(fmt::format(
        "'{}' is unchanged by the trace and no base directory was given to read it from (pass --base DIR)", *path)));
  } else if (Status st = content_->read(*path, bytes); !st) {
    fail(std::move(st));
    bytes = {};
  } else if (const FsNode* n = initial_.node(node); n != nullptr && n->content.size() != bytes.size()) {
    fail(Status::corruption(fmt::format(
        "'{}' has {} bytes in the base directory but {} when it was recorded: the directory changed after "
        "recording (re-record, or pass the right --base)",
        *path, bytes.size(), n->content.size())));
  }
  cache_.emplace(node, bytes);
  return bytes;
}

}  // namespace crashfs
