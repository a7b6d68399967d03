// The .pyc header formats of CPython 2.6-2.7 and 3.0-3.14, by magic number.
//
// Contract: a static table (FORMATS.md) of each interpreter generation's
// magic, header size, marshal profile, source-hash function and cache tag,
// plus little-endian field readers.  Pure data, no I/O.
//
// Header layouts (all little-endian; magic = u16 version + "\r\n"):
//   2.x, 3.0-3.2  magic, mtime u32                              body at 8
//   3.3-3.6       magic, mtime u32, source size u32             body at 12
//   3.7+          magic, flags u32, then mtime + size (flags bit0 = 0) or
//                 the source's SipHash (bit0 = 1; bit1 = check_source)  body at 16
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "checkers/marshal_reader.h"

namespace crashfs {

// How a 3.7+ interpreter hashes the source of a hash-based pyc.
enum class SourceHashKind : std::uint8_t {
  kNone,       // before 3.7: no hash-based pycs
  kSipHash24,  // 3.7-3.10
  kSipHash13,  // 3.11+
};

struct PythonRelease {
  std::uint16_t magic = 0;
  std::string_view label;      // "2.7", "3.11"
  std::size_t header_size = 0; // where the marshal body starts
  marshal::Profile profile = marshal::Profile::kPy311;
  SourceHashKind source_hash = SourceHashKind::kNone;
  std::string_view cache_tag;  // "cpython-311" (3.2+), "" for 2.x

  bool is_python2() const { return profile == marshal::Profile::kPy2; }
  bool has_flags() const { return header_size == 16; }       // 3.7+
  bool has_source_size() const { return header_size >= 12; }  // 3.3+
};

// Every known release, oldest first.
std::span<const PythonRelease> python_releases();
// The release whose magic is `magic` (the u16 before "\r\n"), or nullptr.
const PythonRelease* find_release_by_magic(std::uint16_t magic);
// The release an interpreter with cache tag `tag` ("cpython-311") is, or
// nullptr for tags of other implementations / unknown versions.  For
// cpython-35 this is 3.5.3+ (magic 3351).
const PythonRelease* find_release_by_cache_tag(std::string_view tag);

// Pyc flag bits (3.7+, PEP 552).
inline constexpr std::uint32_t kPycHashBased = 1u << 0;
inline constexpr std::uint32_t kPycCheckSource = 1u << 1;

inline std::uint32_t read_le32(std::string_view bytes, std::size_t offset) {
  std::uint32_t v = 0;
  for (std::size_t i = 4; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(bytes[offset + i]);
  return v;
}
inline std::uint16_t read_le16(std::string_view bytes, std::size_t offset) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(bytes[offset]) |
                                    (static_cast<unsigned char>(bytes[offset + 1]) << 8));
}

}  // namespace crashfs
