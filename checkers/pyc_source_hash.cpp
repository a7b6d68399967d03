#include "checkers/pyc_source_hash.h"

#include <highwayhash/sip_hash.h>

namespace crashfs {

std::optional<PycSourceHash> pyc_source_hash(const PythonRelease& release, std::string_view source) {
  // _RAW_MAGIC_NUMBER = int.from_bytes(MAGIC_NUMBER, 'little'): magic u16, '\r', '\n'.
  const std::uint64_t k0 = release.magic | (std::uint64_t{'\r'} << 16) | (std::uint64_t{'\n'} << 24);
  const highwayhash::SipHashState::Key key = {k0, 0};
  std::uint64_t hash = 0;
  switch (release.source_hash) {
    case SourceHashKind::kNone: return std::nullopt;
    case SourceHashKind::kSipHash24: hash = highwayhash::SipHash(key, source.data(), source.size()); break;
    case SourceHashKind::kSipHash13: hash = highwayhash::SipHash13(key, source.data(), source.size()); break;
  }
  PycSourceHash out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<unsigned char>(hash >> (8 * i));
  return out;
}

}  // namespace crashfs
