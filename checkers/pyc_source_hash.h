// The source hash of hash-based pycs (PEP 552, Python 3.7+).
//
// Contract: the 8 bytes a release writes at header offset 8 for `source`:
// importlib.util.source_hash(), i.e. _Py_KeyedHash(k0 = the 4 magic bytes
// as a little-endian u32, k1 = 0) over the source bytes, little-endian.
// SipHash-2-4 up to 3.10, SipHash-1-3 from 3.11 (libhighwayhash's
// header-only implementations).  Pure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "checkers/pyc_format.h"

namespace crashfs {

using PycSourceHash = std::array<unsigned char, 8>;

// nullopt for releases without hash-based pycs (before 3.7).
std::optional<PycSourceHash> pyc_source_hash(const PythonRelease& release, std::string_view source);

}  // namespace crashfs
