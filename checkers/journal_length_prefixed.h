// Plain length-prefixed journals: `u32le`, `u32be`, `u64le`, each optionally
// with a per-entry checksum (`u32le+crc32c`, `u32be+crc32c`, `u64le+crc32c`).
//
// Byte layout of one entry (no file header; entries follow each other):
//
//   without checksum:   length  payload
//   with +crc32c:       length  crc  payload
//
//   length  payload size in bytes: u32 little-endian (u32le), u32 big-endian
//           (u32be) or u64 little-endian (u64le).  It does not count itself.
//   crc     u32 in the same byte order as the length:
//           mask_crc(crc32c(length bytes ++ payload)) (journal_crc32c.h).
//           Covering the length too means a damaged length cannot shift the
//           framing undetected; the mask makes an all-zero entry invalid.
//
// The reader this models (the one such journals usually have, like Ninja's
// deps log): read entries from offset 0; stop at the first one that is not
// whole and valid.  Fewer bytes than a header, or a length running past the
// end of the file, is a short frame: at the end of the file a torn tail the
// reader trims.  A CRC mismatch is an invalid frame.  Damage with complete
// entries after it makes the reader truncate there, losing them.
//
// Without a checksum the reader cannot tell a torn payload: a valid length
// over zero-filled bytes is accepted.  The journal checker catches that by
// comparing with what the writer wrote.
#pragma once

#include <memory>
#include <string_view>

#include "checkers/journal_format.h"

namespace crashfs {

// `name` is one of u32le, u32be, u64le, optionally followed by "+crc32c";
// nullptr for anything else.
std::unique_ptr<JournalFormat> make_length_prefixed_format(std::string_view name);

}  // namespace crashfs
