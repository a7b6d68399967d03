#include "core/image_view.h"

#include <algorithm>
#include <unordered_set>

namespace crashfs {
namespace {
constexpr int kMaxDepth = 4096;
}  // namespace

ImageView::ImageView(FsImage image, const BaseResolver& base) : image_(std::move(image)), base_(&base) {}

FileEntry ImageView::make_entry(std::string path, NodeId id, const FsNode& node) const {
  FileEntry e;
  e.path = std::move(path);
  e.kind = node.kind;
  e.node = id;
  e.mode = node.mode;
  e.mtime_ns = node.mtime_ns;
  if (node.kind == NodeKind::kFile || node.kind == NodeKind::kSymlink) {
    e.size = node.content.size();
    e.hash = node.content_hash(*base_);
  }
  return e;
}

const std::vector<FileEntry>& ImageView::entries() const {
  const std::lock_guard lock(mutex_);
  if (listed_) return entries_;
  listed_ = true;
  // Depth-first from the root; `on_path` guards against directory cycles a
  // hostile trace could build.
  std::unordered_set<NodeId> on_path{kRootNode};
  struct Walker {
    const ImageView& view;
    std::unordered_set<NodeId>& on_path;
    void walk(NodeId dir, const std::string& prefix, int depth = 0) {
      const FsNode* d = view.image_.node(dir);
      // No real file system nests this deep (PATH_MAX); a hostile trace may.
      if (d == nullptr || depth > kMaxDepth) return;
      d->entries.for_each([&](std::string_view name, NodeId child) {
        const FsNode* c = view.image_.node(child);
        if (c == nullptr) return;
        std::string path = prefix.empty() ? std::string(name) : prefix + "/" + std::string(name);
        if (c->kind == NodeKind::kDirectory) {
          if (!on_path.insert(child).second) return;
          view.entries_.push_back(view.make_entry(path, child, *c));
          walk(child, path, depth + 1);
          on_path.erase(child);
        } else {
          view.entries_.push_back(view.make_entry(std::move(path), child, *c));
        }
      });
    }
  } walker{*this, on_path};
  walker.walk(kRootNode, "");
  std::sort(entries_.begin(), entries_.end(), [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  return entries_;
}

const FileEntry* ImageView::find(std::string_view path) const {
  const std::lock_guard lock(mutex_);
  if (listed_) {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), path,
                               [](const FileEntry& e, std::string_view p) { return e.path < p; });
    return (it != entries_.end() && it->path == path) ? &*it : nullptr;
  }
  const std::string key(path);
  if (auto it = found_.find(key); it != found_.end()) return it->second.get();
  const NodeId id = path.empty() ? 0 : image_.resolve(path);
  const FsNode* n = id == 0 ? nullptr : image_.node(id);
  std::unique_ptr<FileEntry> entry;
  if (n != nullptr) entry = std::make_unique<FileEntry>(make_entry(key, id, *n));
  const FileEntry* out = entry.get();
  found_.emplace(key, std::move(entry));
  return out;
}

std::string ImageView::read(const FileEntry& entry) const {
  const FsNode* n = image_.node(image_.resolve(entry.path));
  if (n == nullptr || (n->kind != NodeKind::kFile && n->kind != NodeKind::kSymlink)) return {};
  return n->content.read_all(*base_);
}

void RopeContent::read(std::uint64_t offset, std::uint64_t length, std::string& out) const {
  if (offset >= rope_.size()) return;
  rope_.read(offset, std::min(length, rope_.size() - offset), *base_, out);
}

std::uint64_t RopeContent::common_prefix(const FileContent& other) const {
  const auto* rope = dynamic_cast<const RopeContent*>(&other);
  if (rope == nullptr || rope->base_ != base_) return FileContent::common_prefix(other);
  return rope_.common_prefix(rope->rope_, *base_);
}

std::shared_ptr<const FileContent> ImageView::content(const FileEntry& entry) const {
  const FsNode* n = image_.node(image_.resolve(entry.path));
  if (n == nullptr || (n->kind != NodeKind::kFile && n->kind != NodeKind::kSymlink))
    return std::make_shared<BytesContent>(std::string());
  return std::make_shared<RopeContent>(n->content, *base_);
}

std::vector<Provenance> ImageView::provenance(const FileEntry& entry, std::uint64_t offset,
                                              std::uint64_t length) const {
  std::vector<Provenance> out;
  const FsNode* n = image_.node(image_.resolve(entry.path));
  if (n == nullptr || n->kind != NodeKind::kFile) return out;
  n->content.for_each(offset, length, [&](std::uint64_t at, const Extent& e) {
    const bool zeros = e.source == Extent::Source::kZeros;
    if (!out.empty() && out.back().seq == e.seq && out.back().zeros == zeros &&
        out.back().offset + out.back().length == at) {
      out.back().length += e.length;
    } else {
      out.push_back(Provenance{at, e.length, e.seq, zeros});
    }
  });
  return out;
}

}  // namespace crashfs
