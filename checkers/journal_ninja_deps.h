// Ninja's deps log `.ninja_deps` (journal:ninja-deps), appended by ninja
// while it builds and never fsynced.
//
// journal:ninja-deps — binary, host (little) endian (src/deps_log.cc, v4):
//   header   "# ninjadeps\n" then int32 version 4 (16 bytes).  Anything else:
//            ninja deletes the log, "starting over" (reset).
//   record   u32 size field (high bit set: deps record), then size bytes,
//            size <= 512 KiB - 1.
//     path   the path, NUL padding to a multiple of 4, u32 checksum = ~id
//            where id = number of path records before it.
//     deps   i32 output id, u32 mtime low, u32 mtime high, i32 input ids.
//   Reader:  reads records in order; a short record, a size over the limit, a
//            zero size, a path checksum that is not ~(next id), a path seen
//            before, a deps size not a multiple of 4 or an input id that is
//            not a known path all fail: ninja truncates the file to the last
//            good record ("premature end of file; recovering").  Deps records
//            under 12 bytes are treated as invalid here (ninja itself would
//            compute a negative count and fail to allocate it).  A deps
//            record whose OUTPUT id is unknown is accepted by ninja; reported
//            as suspect.
#pragma once

#include <memory>

#include "checkers/journal_format.h"

namespace crashfs {

std::unique_ptr<JournalFormat> make_ninja_deps_format();

}  // namespace crashfs
