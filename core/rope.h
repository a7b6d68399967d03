// Rope: the content of one file in a crash state, as a persistent sequence
// of extents that reference bytes, never copy them.
//
// An extent is a run of bytes from the trace (a Write or PreImage record's
// data: a view into the mapped trace), of zeros (holes, grown regions, lost
// data), or of the base content of a pre-existing file (resolved lazily
// through a BaseResolver).  Each extent remembers the operation that put its
// bytes there (provenance).  The rope is an implicit treap with path
// copying: a copy is O(1), and write / resize / zero_range cost O(log n) new
// nodes, sharing everything else with the copies (a file appended to 100,000
// times holds 100,000 extents, and every earlier version stays valid).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/trace_record.h"

namespace crashfs {

struct Extent {
  enum class Source : std::uint8_t { kTrace, kZeros, kBase };
  Source source = Source::kZeros;
  std::uint64_t length = 0;
  const char* bytes = nullptr;     // kTrace: the first byte
  NodeId base_node = 0;            // kBase: whose original content
  std::uint64_t base_offset = 0;   // kBase: offset in it
  Seq seq = 0;                     // the operation that put these bytes here (0: pre-existing)

  static Extent trace(std::string_view data, Seq seq) {
    return Extent{Source::kTrace, data.size(), data.data(), 0, 0, seq};
  }
  static Extent zeros(std::uint64_t length, Seq seq) { return Extent{Source::kZeros, length, nullptr, 0, 0, seq}; }
  static Extent base(NodeId node, std::uint64_t offset, std::uint64_t length) {
    return Extent{Source::kBase, length, nullptr, node, offset, 0};
  }
  // The last `length - n` bytes.
  Extent tail(std::uint64_t n) const;
  // The first `n` bytes.
  Extent head(std::uint64_t n) const;
};

// Supplies the original bytes of pre-existing files (see BaseStore).
class BaseResolver {
 public:
  virtual ~BaseResolver() = default;
  // The original content of `node`, at least `min_size` bytes long when the
  // base is healthy; shorter means missing bytes, read as zeros.
  virtual std::string_view base_bytes(NodeId node) const = 0;
};

class Rope {
 public:
  std::uint64_t size() const { return root_ ? root_->total : 0; }
  std::size_t extent_count() const;

  // Puts `ext` at `offset` (replacing what was there).  A gap between the
  // end of the file and `offset` becomes zeros attributed to ext.seq.
  void write(std::uint64_t offset, const Extent& ext);
  // Truncates to `size`, or extends with zeros attributed to `seq`.
  void resize(std::uint64_t size, Seq seq);
  // Zeros [offset, offset+length) within the current size (punch hole).
  void zero_range(std::uint64_t offset, std::uint64_t length, Seq seq);
  // Removes [offset, offset+length), shifting the rest down (collapse range).
  void remove_range(std::uint64_t offset, std::uint64_t length);
  // Inserts `length` zero bytes at `offset`, shifting the rest up (insert range).
  void insert_zeros(std::uint64_t offset, std::uint64_t length, Seq seq);

  // Calls f(file_offset, extent) for every extent, in order, clipped to
  // [offset, offset + length).
  template <class F>
  void for_each(std::uint64_t offset, std::uint64_t length, F&& f) const {
    if (length == 0 || !root_) return;
    visit(root_.get(), 0, offset, offset + length, f);
  }
  template <class F>
  void for_each(F&& f) const {
    for_each(0, size(), f);
  }

  // Appends the bytes of [offset, offset+length) to `out`.
  void read(std::uint64_t offset, std::uint64_t length, const BaseResolver& base, std::string& out) const;
  std::string read_all(const BaseResolver& base) const;

  bool same_as(const Rope& other) const { return root_ == other.root_; }

  // The length of the longest common prefix of the two contents.  Subtrees
  // the two ropes share (a version and the versions derived from it by
  // appends or edits near the end) are skipped whole, and extents over the
  // same trace bytes compare without reading them, so between versions
  // that share structure it costs O(log n) plus the bytes that differ,
  // not O(size).
  std::uint64_t common_prefix(const Rope& other, const BaseResolver& base) const;

 private:
  struct Node;
  using Ptr = std::shared_ptr<const Node>;
  struct Node {
    Extent ext;
    Ptr left, right;
    std::uint32_t priority;
    std::uint64_t total;  // bytes in this subtree
    std::size_t count;    // extents in this subtree
  };

  static Ptr make(const Extent& ext, Ptr left, Ptr right, std::uint32_t priority);
  static std::pair<Ptr, Ptr> split(const Ptr& t, std::uint64_t pos);
  static Ptr merge(const Ptr& a, const Ptr& b);
  static Ptr leaf(const Extent& ext);

  template <class F>
  static void visit(const Node* n, std::uint64_t base, std::uint64_t lo, std::uint64_t hi, F& f) {
    while (n != nullptr) {
      const std::uint64_t left_total = n->left ? n->left->total : 0;
      const std::uint64_t start = base + left_total;
      const std::uint64_t end = start + n->ext.length;
      if (lo < start && n->left) visit(n->left.get(), base, lo, hi, f);
      if (lo < end && start < hi) {
        const std::uint64_t from = std::max(lo, start);
        const std::uint64_t to = std::min(hi, end);
        f(from, n->ext.tail(from - start).head(to - from));
      }
      if (hi <= end) return;
      base = end;
      n = n->right.get();
    }
  }

  Ptr root_;
};

}  // namespace crashfs
