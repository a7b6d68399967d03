#include "core/content_hash.h"

#include <xxhash.h>

#include <fmt/format.h>

namespace crashfs {

std::string ContentHash::hex() const { return fmt::format("{:016x}{:016x}", hi, lo); }

ContentHash hash_bytes(std::string_view bytes) {
  const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  return ContentHash{h.low64, h.high64};
}

}  // namespace crashfs
