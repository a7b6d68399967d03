// FsImage: an in-memory file-system image keyed by node id, the value every
// crash state is built as.
//
// Nodes are directories (entries name -> node), regular files and symlinks
// (content as a Rope), and special files.  The image and everything in it
// is persistent: copying an FsImage is O(1) and apply() changes a copy in
// O(size of the change), sharing the rest, so crash states that differ in a
// few operations share almost all their memory.
//
// apply() is robust by design: a crash state applies a *subset* of the
// recorded operations in program order, so an operation may find its
// target missing or changed.  The rules:
//   - an operation whose target node or parent directory does not exist in
//     this image has no effect (a write to a file whose create was lost,
//     a rename whose source entry is not there);
//   - create / mkdir / mknod / symlink / link / rename put the entry in
//     place, replacing whatever entry had that name (the replaced node
//     loses that link);
//   - rmdir of a directory that still has entries has no effect;
//   - RENAME_NOREPLACE onto an existing entry, and RENAME_EXCHANGE without
//     both entries in place, have no effect;
//   - RENAME_WHITEOUT leaves its whiteout node (a 0/0 character device) at
//     the old name.
// Nodes stay in the image when their last link goes (an open descriptor can
// still write to them); only nodes reachable from the root are listed.
//
// Thread-safety: copies may be read from several threads, also while
// another thread applies operations to its own copy; FsNode::content_hash()
// takes a lock for its cache (shared between versions of a node).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/content_hash.h"
#include "core/persistent_map.h"
#include "core/rope.h"
#include "core/trace_record.h"

namespace crashfs {

class Trace;

// An inclusive range of sector-sized pieces of a write (see TraceIndex::pieces).
struct PieceRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  bool operator==(const PieceRange&) const = default;
};

// How one operation persisted in a crash state.
struct Persisted {
  enum class Kind : std::uint8_t {
    kWhole,   // the operation, entirely
    kOmit,    // not at all
    kZeroed,  // a write's size change only: its bytes read as before (zeros where the file grew)
    kTorn,    // a write's size change and only the pieces in `kept`
  };
  Kind kind = Kind::kWhole;
  std::vector<PieceRange> kept;  // kTorn
  std::uint32_t sector = 4096;   // kTorn: piece size
};

struct Link {
  NodeId parent = 0;
  std::string_view name;
  bool operator==(const Link&) const = default;
};

struct FsNode {
  NodeKind kind = NodeKind::kNone;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t rdev = 0;
  std::int64_t mtime_ns = 0;
  Rope content;                                      // file bytes, or a symlink's target
  PersistentMap<std::string_view, NodeId> entries;  // directories
  PersistentMap<std::string_view, std::string_view> xattrs;
  std::vector<Link> links;                           // where this node is linked

  // XXH3-128 of the content, computed once per node version.  A version
  // made by editing another (FsImage::edit) resumes from that version's
  // hash state when the old content is a prefix of the new one
  // (Rope::common_prefix), so the versions of an appended file cost the
  // bytes appended, not the file size, each.
  ContentHash content_hash(const BaseResolver& base) const;

  struct HashMemo;  // fs_image.cpp

 private:
  friend class FsImage;  // gives a copy made to change it a fresh memo linked to the old one
  mutable std::shared_ptr<HashMemo> memo_;
  // The hash once computed (it lives in memo_, which the node keeps):
  // read without the memos' lock.  A copy starts without (it is a new
  // version, to be hashed on its own).
  struct Hashed {
    std::atomic<const ContentHash*> hash{nullptr};
    Hashed() = default;
    Hashed(const Hashed&) {}
    Hashed& operator=(const Hashed&) { return *this; }
  };
  mutable Hashed hashed_;
};

using FsNodePtr = std::shared_ptr<const FsNode>;

class FsImage {
 public:
  // The pre-existing nodes the trace knows (Known records: one per name, so
  // a hard-link group is one node with several links), with their xattrs
  // (KnownXattr) and original content: PreImage bytes where the trace has
  // them, base content (Extent::base) otherwise.
  static FsImage initial(const Trace& trace);

  const FsNode* node(NodeId id) const;
  const PersistentMap<NodeId, FsNodePtr>& nodes() const { return nodes_; }
  // The node an entry names, or 0.
  NodeId lookup(NodeId dir, std::string_view name) const;
  // The node at `path` ("" = root), or 0.
  NodeId resolve(std::string_view path) const;
  // A path from the root to `id` (its first reachable link), if reachable.
  std::optional<std::string> path_of(NodeId id) const;

  // Applies one operation record (see the rules above).
  void apply(const Record& rec, const Persisted& how = {});

 private:
  FsNode& edit(NodeId id);  // copy-on-write
  void add_link(NodeId dir, std::string_view name, NodeId child, std::int64_t time_ns);
  void remove_link(NodeId dir, std::string_view name, std::int64_t time_ns);
  void create_node(const Record& rec, NodeKind kind);
  void apply_write(const Record& rec, const Persisted& how);
  void apply_rename(const Record& rec);
  void apply_fallocate(const Record& rec);

  PersistentMap<NodeId, FsNodePtr> nodes_;
};

}  // namespace crashfs
