// PersistentMap: an ordered map with O(1) copies that share structure.
//
// A treap with path copying: set() and erase() rebuild only the O(log n)
// nodes on the path to the key and leave every copy of the map unchanged.
// This is what lets crash states share their node tables and directory
// listings: the state after operation i+1 costs the size of the change, not
// the size of the tree.  Not thread-safe for concurrent writers of the same
// object; copies may be used from different threads (shared_ptr refcounts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

namespace crashfs {

namespace detail {
// Treap priorities: any well-mixed sequence keeps the expected depth
// logarithmic; contents never depend on them.
inline std::uint32_t next_priority() {
  thread_local std::uint64_t state = 0x9e3779b97f4a7c15ull;
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return static_cast<std::uint32_t>(state >> 16);
}
}  // namespace detail

template <class K, class V, class Less = std::less<K>>
class PersistentMap {
 public:
  std::size_t size() const { return root_ ? root_->count : 0; }
  bool empty() const { return !root_; }

  const V* find(const K& key) const {
    const Node* n = root_.get();
    while (n != nullptr) {
      if (Less{}(key, n->key)) n = n->left.get();
      else if (Less{}(n->key, key)) n = n->right.get();
      else return &n->value;
    }
    return nullptr;
  }

  void set(const K& key, V value) {
    if (find(key) != nullptr) {
      // Same shape, new value: copy only the path to the key.
      root_ = replace(root_, key, std::move(value));
      return;
    }
    auto [lo, rest] = split(root_, key, false);
    auto [mid, hi] = split(rest, key, true);
    (void)mid;
    auto leaf = std::make_shared<const Node>(Node{key, std::move(value), nullptr, nullptr, detail::next_priority(), 1});
    root_ = merge(merge(lo, leaf), hi);
  }

  void erase(const K& key) {
    if (find(key) == nullptr) return;
    auto [lo, rest] = split(root_, key, false);
    auto [mid, hi] = split(rest, key, true);
    (void)mid;
    root_ = merge(lo, hi);
  }

  // Calls f(key, value) in key order.
  template <class F>
  void for_each(F&& f) const {
    visit(root_.get(), f);
  }

  // Same root: certainly equal contents (a cheap identity test).
  bool same_as(const PersistentMap& other) const { return root_ == other.root_; }

 private:
  struct Node;
  using Ptr = std::shared_ptr<const Node>;
  struct Node {
    K key;
    V value;
    Ptr left, right;
    std::uint32_t priority;
    std::size_t count;
  };

  static std::size_t count(const Ptr& n) { return n ? n->count : 0; }
  static Ptr with_children(const Node& n, Ptr left, Ptr right) {
    const std::size_t c = count(left) + count(right) + 1;
    return std::make_shared<const Node>(Node{n.key, n.value, std::move(left), std::move(right), n.priority, c});
  }

  static Ptr replace(const Ptr& t, const K& key, V&& value) {
    if (Less{}(key, t->key)) return with_children(*t, replace(t->left, key, std::move(value)), t->right);
    if (Less{}(t->key, key)) return with_children(*t, t->left, replace(t->right, key, std::move(value)));
    return std::make_shared<const Node>(Node{t->key, std::move(value), t->left, t->right, t->priority, t->count});
  }

  // Splits into (keys < key, keys >= key), or (keys <= key, keys > key) when inclusive.
  static std::pair<Ptr, Ptr> split(const Ptr& t, const K& key, bool inclusive) {
    if (!t) return {nullptr, nullptr};
    const bool goes_left = inclusive ? !Less{}(key, t->key) : Less{}(t->key, key);
    if (goes_left) {
      auto [a, b] = split(t->right, key, inclusive);
      return {with_children(*t, t->left, std::move(a)), std::move(b)};
    }
    auto [a, b] = split(t->left, key, inclusive);
    return {std::move(a), with_children(*t, std::move(b), t->right)};
  }

  static Ptr merge(const Ptr& a, const Ptr& b) {
    if (!a) return b;
    if (!b) return a;
    if (a->priority >= b->priority) return with_children(*a, a->left, merge(a->right, b));
    return with_children(*b, merge(a, b->left), b->right);
  }

  template <class F>
  static void visit(const Node* n, F& f) {
    while (n != nullptr) {
      visit(n->left.get(), f);
      f(n->key, n->value);
      n = n->right.get();
    }
  }

  Ptr root_;
};

}  // namespace crashfs
