#include "core/content_hash.h"

#include <xxhash.h>

#include <new>

#include <fmt/format.h>

namespace crashfs {

std::string ContentHash::hex() const { return fmt::format("{:016x}{:016x}", hi, lo); }

ContentHash hash_bytes(std::string_view bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return ContentHash{h.low64, h.high64};
}

struct ContentHasher::State {
  State() : xxh(XXH3_createState()) {
    if (xxh == nullptr) throw std::bad_alloc();
    XXH3_128bits_reset(xxh);
  }
  ~State() { XXH3_freeState(xxh); }
  XXH3_state_t* xxh;
};

ContentHasher::ContentHasher() : state_(std::make_unique<State>()) {}
ContentHasher::~ContentHasher() = default;
ContentHasher::ContentHasher(const ContentHasher& other) : state_(std::make_unique<State>()) {
  XXH3_copyState(state_->xxh, other.state_->xxh);
}
ContentHasher& ContentHasher::operator=(const ContentHasher& other) {
  if (this != &other) XXH3_copyState(state_->xxh, other.state_->xxh);
  return *this;
}

ContentHasher& ContentHasher::update(std::string_view bytes) {
  XXH3_128bits_update(state_->xxh, bytes.data(), bytes.size());
  return *this;
}

ContentHash ContentHasher::finish() const {
  const XXH128_hash_t h = XXH3_128bits_digest(state_->xxh);
  return ContentHash{h.low64, h.high64};
}

}  // namespace crashfs
