// The records of a crashfs trace: what the recording file system saw.
//
// A Record is a flat value: every record type uses a subset of the fields,
// listed in kRecordFields (the wire order is in trace_format.h).  Decoded
// records hold string_views into the trace buffer (zero copy); keep the
// buffer alive while records are in use.
//
// Node ids are crashfs's stable inode identity: a hard link, a rename of an
// open file or a write through an unlinked-but-open descriptor all name the
// same node.  The recorded directory itself is node kRootNode.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace crashfs {

using NodeId = std::uint64_t;
using Seq = std::uint64_t;
inline constexpr NodeId kRootNode = 1;

enum class NodeKind : std::uint8_t { kNone = 0, kFile = 1, kDirectory = 2, kSymlink = 3, kSpecial = 4 };

enum class RecordType : std::uint8_t {
  kProcessInfo = 1,  // first record of a pid: data = command name (comm)
  kKnown = 2,        // a node that existed before recording, first seen by a lookup
  kPreImage = 3,     // prior bytes of a pre-existing file, before its first change
  kCreate = 4,       // new regular file (open with O_CREAT that created it)
  kMkdir = 5,
  kMknod = 6,
  kSymlink = 7,
  kLink = 8,
  kUnlink = 9,
  kRmdir = 10,
  kRename = 11,
  kOpen = 12,       // open for writing of an existing file (flags say O_TRUNC/O_SYNC/...)
  kWrite = 13,      // also copy_file_range, recorded as the bytes it wrote
  kTruncate = 14,   // size change by setattr, ftruncate or open(O_TRUNC)
  kSetAttr = 15,    // mode / owner / times
  kFallocate = 16,
  kFsync = 17,
  kFdatasync = 18,
  kFsyncdir = 19,   // flags & 1: datasync
  kRelease = 20,    // last close of a handle that was open for writing
  kSetXattr = 21,
  kRemoveXattr = 22,
  kMark = 23,       // user mark: data = label
  kSession = 24,    // first record: data = JSON {"dir": absolute recorded directory,
                    //   "command": [argv...], "crashfs": version, "started_ns": time}
  kOutput = 25,     // one write(2) of the workload to its stdout or stderr, in request
                    // order with the file operations: flags = stream (kOutputStdout /
                    // kOutputStderr), data = the bytes as written (split like Write).
                    // Not an operation: never a crash point, changes no state.
  kKnownXattr = 26,  // an extended attribute a pre-existing node had before recording:
                     // name, data = value.  Like Known, part of the initial tree.
};
inline constexpr int kMaxRecordType = 26;

// Field bits, in wire order.
enum Field : std::uint32_t {
  kFNode = 1u << 0,
  kFParent = 1u << 1,
  kFName = 1u << 2,
  kFNewParent = 1u << 3,
  kFNewName = 1u << 4,
  kFVictim = 1u << 5,
  kFFh = 1u << 6,
  kFOffset = 1u << 7,
  kFLength = 1u << 8,
  kFMode = 1u << 9,
  kFFlags = 1u << 10,
  kFUid = 1u << 11,
  kFGid = 1u << 12,
  kFRdev = 1u << 13,
  kFAtime = 1u << 14,
  kFMtime = 1u << 15,
  kFValid = 1u << 16,
  kFKind = 1u << 17,
  kFData = 1u << 18,
  kFWhiteout = 1u << 19,  // on the wire right after victim
};

// Which fields each record type carries; index = RecordType value.
inline constexpr std::array<std::uint32_t, kMaxRecordType + 1> kRecordFields = {
    0,                                                                              // (unused)
    kFData,                                                                         // ProcessInfo
    kFNode | kFParent | kFName | kFLength | kFMode | kFUid | kFGid | kFRdev | kFMtime | kFKind | kFData,  // Known
    kFNode | kFOffset | kFData,                                                     // PreImage
    kFNode | kFParent | kFName | kFFh | kFMode | kFFlags | kFUid | kFGid,            // Create
    kFNode | kFParent | kFName | kFMode | kFUid | kFGid,                            // Mkdir
    kFNode | kFParent | kFName | kFMode | kFUid | kFGid | kFRdev,                   // Mknod
    kFNode | kFParent | kFName | kFUid | kFGid | kFData,                            // Symlink
    kFNode | kFNewParent | kFNewName,                                               // Link
    kFNode | kFParent | kFName,                                                     // Unlink
    kFNode | kFParent | kFName,                                                     // Rmdir
    kFNode | kFParent | kFName | kFNewParent | kFNewName | kFVictim | kFWhiteout | kFFlags | kFUid | kFGid,  // Rename
    kFNode | kFFh | kFFlags,                                                        // Open
    kFNode | kFFh | kFOffset | kFFlags | kFData,                                    // Write
    kFNode | kFFh | kFLength | kFFlags,                                             // Truncate
    kFNode | kFMode | kFUid | kFGid | kFAtime | kFMtime | kFValid,                  // SetAttr
    kFNode | kFFh | kFOffset | kFLength | kFFlags,                                  // Fallocate
    kFNode | kFFh,                                                                  // Fsync
    kFNode | kFFh,                                                                  // Fdatasync
    kFNode | kFFh | kFFlags,                                                        // Fsyncdir
    kFNode | kFFh,                                                                  // Release
    kFNode | kFName | kFFlags | kFData,                                             // SetXattr
    kFNode | kFName,                                                                // RemoveXattr
    kFData,                                                                         // Mark
    kFData,                                                                         // Session
    kFFlags | kFData,                                                               // Output
    kFNode | kFName | kFData,                                                       // KnownXattr
};

// Record flags.
inline constexpr std::uint32_t kWriteSynced = 1u << 0;   // Write on an O_SYNC handle (data + metadata)
inline constexpr std::uint32_t kWriteDsynced = 1u << 1;  // Write on an O_DSYNC handle (data + size)
inline constexpr std::uint32_t kTruncateByOpen = 1u << 0;  // Truncate caused by open(O_TRUNC)
inline constexpr std::uint32_t kFsyncdirData = 1u << 0;
// Rename flags are the Linux values: RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2,
// RENAME_WHITEOUT = 4 (the rename leaves a whiteout, node `whiteout`, owned
// by uid/gid, at the old name: a character device 0/0 with mode 0).
inline constexpr std::uint32_t kRenameNoReplace = 1u << 0;
inline constexpr std::uint32_t kRenameExchange = 1u << 1;
inline constexpr std::uint32_t kRenameWhiteout = 1u << 2;
// Create / Open flags are the Linux open(2) flags as the program passed them.
// Output flags: the stream the workload wrote to (its fd 1 or fd 2).
inline constexpr std::uint32_t kOutputStdout = 1;
inline constexpr std::uint32_t kOutputStderr = 2;

// SetAttr valid bits.
inline constexpr std::uint32_t kAttrMode = 1u << 0;
inline constexpr std::uint32_t kAttrUid = 1u << 1;
inline constexpr std::uint32_t kAttrGid = 1u << 2;
inline constexpr std::uint32_t kAttrAtime = 1u << 3;
inline constexpr std::uint32_t kAttrMtime = 1u << 4;

struct Record {
  RecordType type = RecordType::kMark;
  Seq seq = 0;
  std::int64_t time_ns = 0;
  std::uint32_t pid = 0;
  std::uint32_t tid = 0;

  NodeId node = 0;
  NodeId parent = 0;
  std::string_view name;
  NodeId new_parent = 0;
  std::string_view new_name;
  NodeId victim = 0;
  NodeId whiteout = 0;
  std::uint64_t fh = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::uint32_t mode = 0;
  std::uint32_t flags = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t rdev = 0;
  std::int64_t atime_ns = 0;
  std::int64_t mtime_ns = 0;
  std::uint32_t valid = 0;
  NodeKind kind = NodeKind::kNone;
  std::string_view data;

  bool operator==(const Record&) const = default;
};

std::string_view to_string(RecordType type);
std::optional<RecordType> record_type_from_string(std::string_view name);
std::string_view to_string(NodeKind kind);

// True for records that change file-system state (everything but
// ProcessInfo, Known, KnownXattr, PreImage, Mark, Session, Output and the
// durability records).
bool is_mutation(RecordType type);
// Fsync, Fdatasync, Fsyncdir.
bool is_durability(RecordType type);

}  // namespace crashfs
