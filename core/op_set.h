// OpSet: a set of operation indices in [0, n) with O(log n) insert, erase,
// rank (count below), select (k-th smallest) and range count (a Fenwick tree
// over a bit vector).  The explorer keeps the unsynced operations of the
// current crash point in OpSets so a model can take "the last 8 unsynced
// operations" or "a random one" without walking them all.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace crashfs {

class OpSet {
 public:
  explicit OpSet(std::size_t n = 0) : tree_(n + 1, 0), present_(n, false) {
    top_ = 1;
    while (top_ * 2 <= n) top_ *= 2;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool contains(std::size_t i) const { return present_[i]; }

  void insert(std::size_t i) {
    if (present_[i]) return;
    present_[i] = true;
    ++size_;
    for (std::size_t x = i + 1; x < tree_.size(); x += x & (~x + 1)) ++tree_[x];
  }
  void erase(std::size_t i) {
    if (!present_[i]) return;
    present_[i] = false;
    --size_;
    for (std::size_t x = i + 1; x < tree_.size(); x += x & (~x + 1)) --tree_[x];
  }

  // Elements < i.
  std::size_t count_below(std::size_t i) const {
    std::size_t sum = 0;
    for (std::size_t x = i; x > 0; x -= x & (~x + 1)) sum += tree_[x];
    return sum;
  }
  // Elements in [a, b] (inclusive; 0 when a > b).
  std::size_t count(std::size_t a, std::size_t b) const { return a > b ? 0 : count_below(b + 1) - count_below(a); }

  // The k-th smallest element (0-based); precondition k < size().
  std::size_t select(std::size_t k) const {
    assert(k < size_);
    std::size_t pos = 0;
    std::uint32_t rest = static_cast<std::uint32_t>(k);
    for (std::size_t step = top_; step > 0; step /= 2) {
      if (pos + step < tree_.size() && tree_[pos + step] <= rest) {
        pos += step;
        rest -= tree_[pos];
      }
    }
    return pos;  // tree index pos+1 holds it: element pos
  }
  std::size_t first() const { return select(0); }
  std::size_t last() const { return select(size_ - 1); }

 private:
  std::vector<std::uint32_t> tree_;
  std::vector<bool> present_;
  std::size_t size_ = 0;
  std::size_t top_ = 1;
};

}  // namespace crashfs
