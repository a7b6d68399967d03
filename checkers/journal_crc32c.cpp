#include "checkers/journal_crc32c.h"

#include <boost/crc.hpp>

namespace crashfs {
namespace {
using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;
}

std::uint32_t crc32c(std::string_view bytes) { return crc32c(bytes, {}); }

std::uint32_t crc32c(std::string_view a, std::string_view b) {
  Crc32c crc;
  crc.process_bytes(a.data(), a.size());
  crc.process_bytes(b.data(), b.size());
  return crc.checksum();
}

}  // namespace crashfs
