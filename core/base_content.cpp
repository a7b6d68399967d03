#include "core/base_content.h"

#include <fmt/format.h>

namespace crashfs {

MemoryBaseContent& MemoryBaseContent::add(std::string path, std::string content) {
  files_[std::move(path)] = std::move(content);
  return *this;
}

Status MemoryBaseContent::read(std::string_view path, std::string_view& out) {
  auto it = files_.find(path);
  if (it == files_.end()) {
    return Status::not_found(fmt::format("base content: no file '{}' in the final tree", path));
  }
  out = it->second;
  return Status::ok();
}

}  // namespace crashfs
