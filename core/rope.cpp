#include "core/rope.h"

#include <algorithm>
#include <cassert>
#include <vector>

#include "core/persistent_map.h"

namespace crashfs {

Extent Extent::tail(std::uint64_t n) const {
  Extent e = *this;
  assert(n <= length);
  e.length -= n;
  if (source == Source::kTrace) e.bytes += n;
  if (source == Source::kBase) e.base_offset += n;
  return e;
}

Extent Extent::head(std::uint64_t n) const {
  Extent e = *this;
  assert(n <= length);
  e.length = n;
  return e;
}

std::size_t Rope::extent_count() const { return root_ ? root_->count : 0; }

Rope::Ptr Rope::make(const Extent& ext, Ptr left, Ptr right, std::uint32_t priority) {
  const std::uint64_t total = ext.length + (left ? left->total : 0) + (right ? right->total : 0);
  const std::size_t count = 1 + (left ? left->count : 0) + (right ? right->count : 0);
  return std::make_shared<const Node>(Node{ext, std::move(left), std::move(right), priority, total, count});
}

Rope::Ptr Rope::leaf(const Extent& ext) { return make(ext, nullptr, nullptr, detail::next_priority()); }

std::pair<Rope::Ptr, Rope::Ptr> Rope::split(const Ptr& t, std::uint64_t pos) {
  if (!t) return {nullptr, nullptr};
  if (pos == 0) return {nullptr, t};
  if (pos >= t->total) return {t, nullptr};
  const std::uint64_t left_total = t->left ? t->left->total : 0;
  if (pos <= left_total) {
    auto [a, b] = split(t->left, pos);
    return {std::move(a), make(t->ext, std::move(b), t->right, t->priority)};
  }
  const std::uint64_t end = left_total + t->ext.length;
  if (pos >= end) {
    auto [a, b] = split(t->right, pos - end);
    return {make(t->ext, t->left, std::move(a), t->priority), std::move(b)};
  }
  // The split falls inside this node's extent: each half keeps the
  // priority, which still dominates its (shrunk) children.
  const std::uint64_t cut = pos - left_total;
  return {make(t->ext.head(cut), t->left, nullptr, t->priority), make(t->ext.tail(cut), nullptr, t->right, t->priority)};
}

Rope::Ptr Rope::merge(const Ptr& a, const Ptr& b) {
  if (!a) return b;
  if (!b) return a;
  if (a->priority >= b->priority) return make(a->ext, a->left, merge(a->right, b), a->priority);
  return make(b->ext, merge(a, b->left), b->right, b->priority);
}

void Rope::write(std::uint64_t offset, const Extent& ext) {
  if (ext.length == 0) return;
  const std::uint64_t old_size = size();
  if (offset > old_size) root_ = merge(root_, leaf(Extent::zeros(offset - old_size, ext.seq)));
  if (offset >= old_size) {
    root_ = merge(root_, leaf(ext));  // the common append: no split
    return;
  }
  auto [before, rest] = split(root_, offset);
  auto [replaced, after] = split(rest, ext.length);
  (void)replaced;
  root_ = merge(merge(before, leaf(ext)), after);
}

void Rope::resize(std::uint64_t new_size, Seq seq) {
  const std::uint64_t old_size = size();
  if (new_size < old_size) root_ = split(root_, new_size).first;
  else if (new_size > old_size) root_ = merge(root_, leaf(Extent::zeros(new_size - old_size, seq)));
}

void Rope::zero_range(std::uint64_t offset, std::uint64_t length, Seq seq) {
  const std::uint64_t old_size = size();
  if (offset >= old_size || length == 0) return;
  write(offset, Extent::zeros(std::min(length, old_size - offset), seq));
}

void Rope::remove_range(std::uint64_t offset, std::uint64_t length) {
  if (offset >= size() || length == 0) return;
  auto [before, rest] = split(root_, offset);
  auto [removed, after] = split(rest, length);
  (void)removed;
  root_ = merge(before, after);
}

void Rope::insert_zeros(std::uint64_t offset, std::uint64_t length, Seq seq) {
  if (length == 0) return;
  if (offset >= size()) {
    write(offset, Extent::zeros(length, seq));
    return;
  }
  auto [before, after] = split(root_, offset);
  root_ = merge(merge(before, leaf(Extent::zeros(length, seq))), after);
}

void Rope::read(std::uint64_t offset, std::uint64_t length, const BaseResolver& base, std::string& out) const {
  for_each(offset, length, [&](std::uint64_t, const Extent& e) {
    switch (e.source) {
      case Extent::Source::kTrace:
        out.append(e.bytes, e.length);
        break;
      case Extent::Source::kZeros:
        out.append(e.length, '\0');
        break;
      case Extent::Source::kBase: {
        const std::string_view bytes = base.base_bytes(e.base_node);
        const std::uint64_t have = e.base_offset < bytes.size() ? std::min<std::uint64_t>(bytes.size() - e.base_offset, e.length) : 0;
        if (have > 0) out.append(bytes.data() + e.base_offset, have);
        out.append(e.length - have, '\0');
        break;
      }
    }
  });
}

namespace {

// The byte at `i` of an extent (zeros where a base file is short).
char byte_at(const Extent& e, std::uint64_t i, const BaseResolver& base, std::string_view& base_bytes) {
  switch (e.source) {
    case Extent::Source::kTrace: return e.bytes[i];
    case Extent::Source::kZeros: return 0;
    case Extent::Source::kBase: {
      const std::uint64_t at = e.base_offset + i;
      return at < base_bytes.size() ? base_bytes[at] : 0;
    }
  }
  (void)base;
  return 0;
}

// True when the first `n` bytes of the two extents are the same bytes by
// construction (no need to read them).
bool same_source(const Extent& a, const Extent& b) {
  if (a.source != b.source) return false;
  switch (a.source) {
    case Extent::Source::kTrace: return a.bytes == b.bytes;
    case Extent::Source::kZeros: return true;
    case Extent::Source::kBase: return a.base_node == b.base_node && a.base_offset == b.base_offset;
  }
  return false;
}

}  // namespace

std::uint64_t Rope::common_prefix(const Rope& other, const BaseResolver& base) const {
  // Two in-order cursors, each a stack of pending items: a whole subtree
  // (not yet expanded) or what is left of one extent.  Both cursors are
  // always at the same offset `pos`.
  struct Item {
    const Node* node = nullptr;  // a subtree, or null for an extent piece
    Extent piece;
    std::uint64_t length() const { return node ? node->total : piece.length; }
  };
  std::vector<Item> a, b;
  if (root_) a.push_back({root_.get(), {}});
  if (other.root_) b.push_back({other.root_.get(), {}});
  auto expand = [](std::vector<Item>& s) {
    const Node* n = s.back().node;
    s.pop_back();
    if (n->right) s.push_back({n->right.get(), {}});
    if (n->ext.length > 0) s.push_back({nullptr, n->ext});
    if (n->left) s.push_back({n->left.get(), {}});
  };
  std::uint64_t pos = 0;
  while (!a.empty() && !b.empty()) {
    Item& x = a.back();
    Item& y = b.back();
    if (x.node != nullptr && x.node == y.node) {  // a shared subtree
      pos += x.node->total;
      a.pop_back();
      b.pop_back();
      continue;
    }
    if (x.node != nullptr || y.node != nullptr) {
      // Expand the larger subtree: the smaller one may be part of it.
      if (x.node != nullptr && (y.node == nullptr || x.node->total >= y.node->total)) expand(a);
      else expand(b);
      continue;
    }
    const std::uint64_t n = std::min(x.piece.length, y.piece.length);
    if (!same_source(x.piece, y.piece)) {
      std::string_view xb, yb;
      if (x.piece.source == Extent::Source::kBase) xb = base.base_bytes(x.piece.base_node);
      if (y.piece.source == Extent::Source::kBase) yb = base.base_bytes(y.piece.base_node);
      if (x.piece.source == Extent::Source::kTrace && y.piece.source == Extent::Source::kTrace) {
        const auto mismatch = std::mismatch(x.piece.bytes, x.piece.bytes + n, y.piece.bytes);
        if (mismatch.first != x.piece.bytes + n) return pos + static_cast<std::uint64_t>(mismatch.first - x.piece.bytes);
      } else {
        for (std::uint64_t i = 0; i < n; ++i)
          if (byte_at(x.piece, i, base, xb) != byte_at(y.piece, i, base, yb)) return pos + i;
      }
    }
    pos += n;
    if (n == x.piece.length) a.pop_back();
    else x.piece = x.piece.tail(n);
    if (n == y.piece.length) b.pop_back();
    else y.piece = y.piece.tail(n);
  }
  return pos;
}

std::string Rope::read_all(const BaseResolver& base) const {
  std::string out;
  out.reserve(size());
  read(0, size(), base, out);
  return out;
}

}  // namespace crashfs
