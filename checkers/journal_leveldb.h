// LevelDB's write-ahead log and MANIFEST framing (journal:leveldb), as read
// by db/log_reader.cc with checksums on (what DB recovery does).
//
// Byte layout: the file is a sequence of 32 KiB blocks.  A block holds
// physical records and, when fewer than 7 bytes are left, a zero trailer.
//
//   record   crc u32 LE | length u16 LE | type u8 | data[length]
//            crc = mask_crc(crc32c(type ++ data)) (journal_crc32c.h).
//            type 1 FULL, 2 FIRST, 3 MIDDLE, 4 LAST; 0 is the zero type of
//            preallocated (zero-filled) regions.  Records never cross a
//            block; a logical record too big for the rest of a block is
//            split into FIRST, MIDDLE..., LAST fragments.
//
// An entry here is one logical record (its fragments and any trailers
// between them).
//
// What the reader does:
//   - fewer than 7 bytes left in the last block, a length running past the
//     end of the file, or a FIRST/MIDDLE without its LAST at the end of the
//     file: the writer died mid-record; end of log, nothing reported (torn
//     tail, kTrim);
//   - a length running past the end of a FULL block: "bad record length";
//     a CRC mismatch: "checksum mismatch".  The rest of the block is
//     dropped, the corruption reported, and reading goes on at the next
//     block (kSkip);
//   - a zero header (type 0, length 0): the rest of the block is skipped
//     WITHOUT a report (kSkip) — zero-filled data loses records silently
//     when later blocks survive;
//   - an unknown type, or fragments out of order ("missing start of
//     fragmented record", "partial record without end"): the fragment or
//     partial record is dropped and reported (kSkip).
// Damage is in the middle when the reader uses records after it, or when
// the bytes it drops hold records with valid CRCs.
#pragma once

#include <memory>

#include "checkers/journal_format.h"

namespace crashfs {

inline constexpr std::uint64_t kLevelDbBlockSize = 32768;
inline constexpr std::uint64_t kLevelDbHeaderSize = 7;

std::unique_ptr<JournalFormat> make_leveldb_format();

}  // namespace crashfs
