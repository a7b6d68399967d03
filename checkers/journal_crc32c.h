// CRC-32C (Castagnoli), as LevelDB and the `+crc32c` journal variants use
// it, plus LevelDB's mask.  The mask exists because a CRC stored next to the
// data it covers is otherwise easy to reproduce by accident (CRCs of
// strings that embed CRCs); it also makes the CRC of an all-zero entry
// non-zero, so zero-filled bytes never pass as a valid entry.
#pragma once

#include <cstdint>
#include <string_view>

namespace crashfs {

std::uint32_t crc32c(std::string_view bytes);
// crc32c over the concatenation a + b, without copying.
std::uint32_t crc32c(std::string_view a, std::string_view b);

inline std::uint32_t mask_crc(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

}  // namespace crashfs
