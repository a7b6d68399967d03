// 128-bit content hash (XXH3-128) used to dedup crash states and to cache
// checker verdicts per distinct file version.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace crashfs {

struct ContentHash {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  bool operator==(const ContentHash&) const = default;
  auto operator<=>(const ContentHash&) const = default;
  std::string hex() const;  // 32 lowercase hex digits
};

ContentHash hash_bytes(std::string_view bytes);

// The same hash over bytes given in parts: hash_bytes(a + b) ==
// ContentHasher().update(a).update(b).finish().
class ContentHasher {
 public:
  ContentHasher();
  ~ContentHasher();
  // A copy goes on from the same point independently (resumable digests).
  ContentHasher(const ContentHasher& other);
  ContentHasher& operator=(const ContentHasher& other);
  ContentHasher& update(std::string_view bytes);
  ContentHash finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

struct ContentHashHasher {
  std::size_t operator()(const ContentHash& h) const noexcept { return static_cast<std::size_t>(h.lo ^ (h.hi * 0x9e3779b97f4a7c15ull)); }
};

}  // namespace crashfs
