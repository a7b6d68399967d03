#include "core/memory_state.h"

#include <algorithm>

namespace crashfs {

MemoryState& MemoryState::file(std::string path, std::string content, std::int64_t mtime_ns, std::uint32_t mode) {
  Item item;
  item.entry.path = path;
  item.entry.kind = NodeKind::kFile;
  item.entry.node = next_node_++;
  item.entry.mode = mode;
  item.entry.size = content.size();
  item.entry.mtime_ns = mtime_ns;
  item.entry.hash = hash_bytes(content);
  item.content = std::move(content);
  items_[std::move(path)] = std::move(item);
  dirty_ = true;
  return *this;
}

MemoryState& MemoryState::dir(std::string path, std::uint32_t mode) {
  Item item;
  item.entry.path = path;
  item.entry.kind = NodeKind::kDirectory;
  item.entry.node = next_node_++;
  item.entry.mode = mode;
  items_[std::move(path)] = std::move(item);
  dirty_ = true;
  return *this;
}

MemoryState& MemoryState::symlink(std::string path, std::string target) {
  Item item;
  item.entry.path = path;
  item.entry.kind = NodeKind::kSymlink;
  item.entry.node = next_node_++;
  item.entry.mode = 0120777;
  item.entry.size = target.size();
  item.entry.hash = hash_bytes(target);
  item.content = std::move(target);
  items_[std::move(path)] = std::move(item);
  dirty_ = true;
  return *this;
}

MemoryState& MemoryState::remove(std::string_view path) {
  auto it = items_.find(path);
  if (it != items_.end()) items_.erase(it);
  dirty_ = true;
  return *this;
}

MemoryState& MemoryState::attribute(std::string_view path, Seq seq) {
  auto it = items_.find(path);
  if (it != items_.end()) it->second.seq = seq;
  return *this;
}

const std::vector<FileEntry>& MemoryState::entries() const {
  if (dirty_) {
    entries_.clear();
    for (const auto& [path, item] : items_) entries_.push_back(item.entry);
    dirty_ = false;
  }
  return entries_;
}

const FileEntry* MemoryState::find(std::string_view path) const {
  auto it = items_.find(path);
  return it == items_.end() ? nullptr : &it->second.entry;
}

std::string MemoryState::read(const FileEntry& entry) const {
  auto it = items_.find(entry.path);
  return it == items_.end() ? std::string{} : it->second.content;
}

std::vector<Provenance> MemoryState::provenance(const FileEntry& entry, std::uint64_t offset,
                                                std::uint64_t length) const {
  auto it = items_.find(entry.path);
  if (it == items_.end() || offset >= it->second.content.size()) return {};
  const std::uint64_t len = std::min<std::uint64_t>(length, it->second.content.size() - offset);
  return {Provenance{offset, len, it->second.seq, false}};
}

}  // namespace crashfs
