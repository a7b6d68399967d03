// crashfs trace file format, version 2.
//
// A trace is itself a journal: a 16-byte file header followed by
// append-only, length-prefixed, checksummed records.  A record torn at the
// end of the file (crashfs killed mid-append) is a clean end of the trace;
// damage anywhere else is an error naming its byte offset.  All integers are
// little-endian.
//
// File header (16 bytes)
//   0  u8[8]  magic "CRASHFS\x1a"
//   8  u32    format version (kTraceVersion)
//  12  u32    low 32 bits of XXH3_64(bytes 0..12)
//
// Record frame (12-byte header + payload)
//   0  u32    payload length in bytes (<= kMaxPayload)
//   4  u8     record type (RecordType)
//   5  u8     0 (reserved)
//   6  u16    header check: low 16 bits of XXH3_64(frame bytes 0..6)
//   8  u32    payload check: low 32 bits of XXH3_64(payload)
//  12  ...    payload
//
// The separate header check lets the reader tell a torn tail (the frame
// announces more bytes than the file holds, header intact) from a damaged
// length field in the middle (header check fails).
//
// Payload: common fields, then the fields the record type carries (see
// kRecordFields in trace_record.h) in this canonical order:
//   common   u64 seq, i64 time_ns (CLOCK_REALTIME), u32 pid, u32 tid
//   node       u64      subject node id (stable inode identity, root = 1)
//   parent     u64      directory node of `name`
//   name       u32 len + bytes
//   new_parent u64      rename / link target directory
//   new_name   u32 len + bytes
//   victim     u64      node replaced by a rename (0 = none)
//   whiteout   u64      Rename with RENAME_WHITEOUT: the whiteout node left
//                       at the old name (a 0/0 character device), else 0
//   fh         u64      file handle the program used
//   offset     u64
//   length     u64      size (Known, Truncate) or byte count (Fallocate)
//   mode       u32      st_mode bits
//   flags      u32      type-specific flags (open flags, rename flags, ...)
//   uid        u32
//   gid        u32
//   rdev       u64
//   atime_ns   i64
//   mtime_ns   i64
//   valid      u32      SetAttr: which attributes (kAttr* bits)
//   kind       u8       NodeKind
//   data       the rest of the payload, unprefixed: written bytes,
//              pre-image bytes, symlink target, xattr value, label, comm
// `data` is always last so the recorder can writev() a write's bytes
// straight from the FUSE buffer without copying them.
//
// Bounds: names <= 4096 bytes, payload <= kMaxPayload.  Pre-images,
// writes and outputs larger than kMaxDataChunk are split into several
// records.
//
// Output records (type 25) carry one write(2) of the workload to its stdout
// (flags 1) or stderr (flags 2), the bytes as written, at its place in
// request order: after every operation that completed before the write
// began.  They are not operations.
//
// Version 2 (replay fidelity) changed, against version 1:
//  - Known carries rdev; its mode keeps the set-id bits; the recorder walks
//    the whole recorded directory when the mount starts and writes a Known
//    record per entry (one per name: a hard-link group is one node with
//    several Known records), so the pre-existing tree is in the trace
//    whole: owners, modes, link groups, special files, symlinks;
//  - KnownXattr (type 26): one extended attribute of a pre-existing node
//    (name, value in data), written with the walk;
//  - Rename carries `whiteout` and the whiteout's uid/gid.
// Readers refuse version 1 (re-record the workload): its states lose what
// version 2 records.
#pragma once

#include <cstddef>
#include <cstdint>

namespace crashfs {

inline constexpr char kTraceMagic[8] = {'C', 'R', 'A', 'S', 'H', 'F', 'S', '\x1a'};
inline constexpr std::uint32_t kTraceVersion = 2;
inline constexpr std::size_t kFileHeaderSize = 16;
inline constexpr std::size_t kFrameHeaderSize = 12;
inline constexpr std::size_t kMaxDataChunk = std::size_t{4} << 20;     // 4 MiB
inline constexpr std::size_t kMaxPayload = kMaxDataChunk + (64 << 10);  // data + fields
inline constexpr std::size_t kMaxNameLength = 4096;

}  // namespace crashfs
