// ImageView: the StateView checkers see, over one FsImage.
//
// Lists every node reachable from the root (the root itself excluded),
// sorted by path.  Content hashes are computed only when entries() or
// find() is called, once per file version (FsNode caches them), so building
// a view costs nothing until a checker looks.  read() and provenance()
// resolve the entry by path in this state.
//
// Not thread-safe (lazy caches); one view per thread.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/fs_image.h"
#include "core/rope.h"
#include "core/state_view.h"

namespace crashfs {

class ImageView : public StateView {
 public:
  // `base` must outlive the view.
  ImageView(FsImage image, const BaseResolver& base);

  const std::vector<FileEntry>& entries() const override;
  const FileEntry* find(std::string_view path) const override;
  std::string read(const FileEntry& entry) const override;
  std::vector<Provenance> provenance(const FileEntry& entry, std::uint64_t offset,
                                     std::uint64_t length) const override;

  const FsImage& image() const { return image_; }

 private:
  FileEntry make_entry(std::string path, NodeId id, const FsNode& node) const;

  FsImage image_;
  const BaseResolver* base_;
  mutable std::vector<FileEntry> entries_;
  mutable bool listed_ = false;
  mutable std::unordered_map<std::string, std::unique_ptr<FileEntry>> found_;
};

}  // namespace crashfs
