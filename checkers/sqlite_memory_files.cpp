#include "checkers/sqlite_memory_files.h"

#include <algorithm>
#include <cstring>

namespace crashfs {

FileIdentity identify(const StateView& state, std::string_view path) {
  const FileEntry* e = state.find(path);
  if (e == nullptr) return {};
  if (e->kind != NodeKind::kFile) return FileIdentity{FileIdentity::Kind::kOther, {}};
  return FileIdentity{FileIdentity::Kind::kFile, e->hash};
}

std::size_t MemoryFile::read(std::uint64_t offset, std::size_t n, char* out) const {
  const std::uint64_t size = this->size();
  if (offset >= size) return 0;
  const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(n, size - offset));
  if (shared_) {
    buffer_.clear();
    shared_->read(offset, count, buffer_);
    std::memcpy(out, buffer_.data(), buffer_.size());
    return buffer_.size();
  }
  std::memcpy(out, own_.data() + offset, count);
  return count;
}

void MemoryFile::copy() {
  if (!shared_) return;
  own_.clear();
  shared_->read(0, shared_->size(), own_);
  shared_.reset();
}

void MemoryFile::write(std::uint64_t offset, const char* data, std::size_t n) {
  copy();
  if (own_.size() < offset + n) own_.resize(offset + n, '\0');
  std::memcpy(own_.data() + offset, data, n);
}

void MemoryFile::truncate(std::uint64_t size) {
  if (size == this->size()) return;
  copy();
  own_.resize(size, '\0');
}

MemoryFiles::MemoryFiles(const StateView& state, std::string root, std::vector<std::string> keyed)
    : state_(state), root_(std::move(root)), keyed_(std::move(keyed)) {
  while (!root_.empty() && root_.back() == '/') root_.pop_back();
}

std::optional<std::string> MemoryFiles::state_path(std::string_view name) const {
  if (name.size() <= root_.size() + 1 || name.substr(0, root_.size()) != root_ || name[root_.size()] != '/')
    return std::nullopt;
  const std::string_view rest = name.substr(root_.size() + 1);
  // State paths are canonical: no empty, "." or ".." element (SQLite's own
  // names are made canonical by xFullPathname; one that is not names no file
  // of the state).
  std::size_t start = 0;
  while (start <= rest.size()) {
    const std::size_t end = std::min(rest.find('/', start), rest.size());
    const std::string_view element = rest.substr(start, end - start);
    if (element.empty() || element == "." || element == "..") return std::nullopt;
    start = end + 1;
  }
  return std::string(rest);
}

MemoryFiles::Slot& MemoryFiles::slot(std::string_view name) {
  if (auto it = names_.find(name); it != names_.end()) return it->second;
  Slot s;
  if (const auto path = state_path(name)) {
    const FileIdentity id = identify(state_, *path);
    if (std::find(keyed_.begin(), keyed_.end(), *path) == keyed_.end()) consulted_.push_back({*path, id});
    s.exists = id.kind != FileIdentity::Kind::kAbsent;
    if (id.kind == FileIdentity::Kind::kFile) s.file = std::make_shared<MemoryFile>(state_.content(*state_.find(*path)));
  }
  return names_.emplace(std::string(name), std::move(s)).first->second;
}

std::optional<std::shared_ptr<MemoryFile>> MemoryFiles::find(std::string_view name) {
  const Slot& s = slot(name);
  if (!s.exists) return std::nullopt;
  return s.file;
}

std::shared_ptr<MemoryFile> MemoryFiles::create(std::string_view name) {
  Slot& s = slot(name);
  s.exists = true;
  s.file = std::make_shared<MemoryFile>();
  return s.file;
}

bool MemoryFiles::remove(std::string_view name) {
  Slot& s = slot(name);
  const bool existed = s.exists;
  s = Slot{};
  return existed;
}

}  // namespace crashfs
