// KeySet: the set of state keys seen so far (dedup), 16 bytes per key in an
// open-addressing table (load <= 1/2), so memory grows with the number of
// distinct states and nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/content_hash.h"

namespace crashfs {

class KeySet {
 public:
  // True if `key` was not in the set (it is now).
  bool insert(const ContentHash& key) {
    if (key == ContentHash{}) {
      const bool fresh = !has_zero_;
      has_zero_ = true;
      size_ += fresh ? 1 : 0;
      return fresh;
    }
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t i = static_cast<std::size_t>(key.lo ^ (key.hi >> 7)) & (slots_.size() - 1);
    while (!(slots_[i] == ContentHash{})) {
      if (slots_[i] == key) return false;
      i = (i + 1) & (slots_.size() - 1);
    }
    slots_[i] = key;
    ++size_;
    return true;
  }
  std::size_t size() const { return size_; }

 private:
  void grow() {
    std::vector<ContentHash> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, ContentHash{});
    const bool zero = has_zero_;
    size_ = 0;
    has_zero_ = false;
    for (const ContentHash& k : old) {
      if (!(k == ContentHash{})) insert(k);
    }
    if (zero) insert(ContentHash{});
  }

  std::vector<ContentHash> slots_;
  std::size_t size_ = 0;
  bool has_zero_ = false;
};

}  // namespace crashfs
