#include "core/state_view.h"

#include <algorithm>

namespace crashfs {

std::uint64_t FileContent::common_prefix(const FileContent& other) const {
  constexpr std::uint64_t kChunk = 1 << 16;
  const std::uint64_t n = std::min(size(), other.size());
  std::string x, y;
  for (std::uint64_t at = 0; at < n; at += kChunk) {
    const std::uint64_t len = std::min(kChunk, n - at);
    x.clear();
    y.clear();
    read(at, len, x);
    other.read(at, len, y);
    const auto diff = std::mismatch(x.begin(), x.end(), y.begin());
    if (diff.first != x.end()) return at + static_cast<std::uint64_t>(diff.first - x.begin());
  }
  return n;
}

void BytesContent::read(std::uint64_t offset, std::uint64_t length, std::string& out) const {
  if (offset >= bytes_.size()) return;
  out.append(bytes_, offset, std::min<std::uint64_t>(length, bytes_.size() - offset));
}

std::shared_ptr<const FileContent> StateView::content(const FileEntry& entry) const {
  return std::make_shared<BytesContent>(read(entry));
}

}  // namespace crashfs
