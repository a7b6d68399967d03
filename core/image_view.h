// ImageView: the StateView checkers see, over one FsImage.
//
// Lists every node reachable from the root (the root itself excluded),
// sorted by path.  Content hashes are computed only when entries() or
// find() is called, once per file version (FsNode caches them), so building
// a view costs nothing until a checker looks.  read() and provenance()
// resolve the entry by path in this state.
//
// Thread-safe: the lazy listing and lookups take the view's lock, so
// checkers on several threads (--jobs) may share a view (a crash-free
// state, a moment of the history).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/fs_image.h"
#include "core/rope.h"
#include "core/state_view.h"

namespace crashfs {

// One file version of an image: its rope (O(1) to copy, shares structure).
class RopeContent : public FileContent {
 public:
  RopeContent(Rope rope, const BaseResolver& base) : rope_(std::move(rope)), base_(&base) {}
  std::uint64_t size() const override { return rope_.size(); }
  void read(std::uint64_t offset, std::uint64_t length, std::string& out) const override;
  std::uint64_t common_prefix(const FileContent& other) const override;

 private:
  Rope rope_;
  const BaseResolver* base_;
};

class ImageView : public StateView {
 public:
  // `base` must outlive the view.
  ImageView(FsImage image, const BaseResolver& base);

  const std::vector<FileEntry>& entries() const override;
  const FileEntry* find(std::string_view path) const override;
  std::string read(const FileEntry& entry) const override;
  std::vector<Provenance> provenance(const FileEntry& entry, std::uint64_t offset,
                                     std::uint64_t length) const override;
  // A RopeContent: shares the file's rope; common_prefix() with another
  // RopeContent over the same base skips what the two versions share.
  std::shared_ptr<const FileContent> content(const FileEntry& entry) const override;

  const FsImage& image() const { return image_; }

 private:
  FileEntry make_entry(std::string path, NodeId id, const FsNode& node) const;

  FsImage image_;
  const BaseResolver* base_;
  mutable std::mutex mutex_;  // guards the three below
  mutable std::vector<FileEntry> entries_;
  mutable bool listed_ = false;
  mutable std::unordered_map<std::string, std::unique_ptr<FileEntry>> found_;
};

}  // namespace crashfs
