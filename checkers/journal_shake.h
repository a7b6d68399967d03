// Shake's build database, `.shake.database` (journal:shake), and the older
// layout (journal:shake-legacy).
//
// journal:shake — Shake 0.16 to 0.19 (src/General/Chunks.hs and
// src/Development/Shake/Internal/Core/Storage.hs):
//
//   chunk     length payload
//             length: Word32 poked as a Storable, i.e. HOST byte order: we
//             read little-endian (x86-64, aarch64).  No checksum.
//   chunk 0   the version string "SHAKE-DATABASE-<n>-<os>-<arch>-<user>\r\n"
//             (n = 14 in 0.19).
//   chunk 1   the witness table, BinaryEx [ByteString]: u32 count n, n u32
//             lengths, then the n strings back to back.
//   chunk 2.. records: u16 witness index, u32 key Id, then the value in the
//             rule type's own encoding (opaque here).
//
//   What the reader does (usingStorage / readChunkDirect):
//   - fewer than 4 bytes, or fewer bytes than the length: "slop".  The file
//     is truncated there (hSetFileSize) and reading ends: a torn tail is
//     trimmed; anything written after the slop is lost.
//   - a version chunk that differs from the expected one, or a record that
//     does not decode (under 6 bytes: "insufficient left"; witness index out
//     of bounds; the value's decoder fails): the whole database is reset,
//     "All files will be rebuilt".  A reset is reported even at the tail:
//     it is the incident's user-visible symptom.
//   Differences from the real reader, all on the side of accepting: any
//   well-formed version string is accepted (the expected one depends on
//   the build); record values are not decoded (a torn value that still
//   decodes is caught by comparing with the writer's bytes); a witness table
//   whose lengths do not add up to its size is treated as a decode failure
//   (Shake would read garbage witnesses and rebuild the affected rules).
//
// journal:shake-legacy — Shake's older Development/Shake/Storage.hs (the
// version read has database version 4; its layout held until the switch to
// General.Chunks):
//
//   the file starts with the raw version line "SHAKE-DATABASE-<n>-<user>\r\n"
//   (not a chunk), then chunks whose length is Data.Binary's Word32:
//   BIG-endian.  Chunk 0 after the line is the Data.Binary-encoded witness,
//   then Data.Binary (key, value) records (opaque here).  readChunks stops
//   at the first short chunk without truncating: new entries are appended
//   after the slop and are never read again (lost); any decode error resets.
#pragma once

#include <memory>

#include "checkers/journal_format.h"

namespace crashfs {

std::unique_ptr<JournalFormat> make_shake_format();
std::unique_ptr<JournalFormat> make_shake_legacy_format();

}  // namespace crashfs
