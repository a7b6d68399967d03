#include "core/trace_record.h"

namespace crashfs {
namespace {

constexpr std::array<std::string_view, kMaxRecordType + 1> kTypeNames = {
    "?",         "process",  "known",    "preimage", "create",    "mkdir",     "mknod",     "symlink",
    "link",      "unlink",   "rmdir",    "rename",   "open",      "write",     "truncate",  "setattr",
    "fallocate", "fsync",    "fdatasync", "fsyncdir", "release",  "setxattr",  "removexattr", "mark", "session",
    "output",    "knownxattr",
};

}  // namespace

std::string_view to_string(RecordType type) {
  const auto i = static_cast<std::size_t>(type);
  return i < kTypeNames.size() ? kTypeNames[i] : "?";
}

std::optional<RecordType> record_type_from_string(std::string_view name) {
  for (int i = 1; i <= kMaxRecordType; ++i) {
    if (kTypeNames[i] == name) return static_cast<RecordType>(i);
  }
  return std::nullopt;
}

std::string_view to_string(NodeKind kind) {
  switch (kind) {
    case NodeKind::kFile: return "file";
    case NodeKind::kDirectory: return "dir";
    case NodeKind::kSymlink: return "symlink";
    case NodeKind::kSpecial: return "special";
    case NodeKind::kNone: break;
  }
  return "none";
}

bool is_mutation(RecordType type) {
  switch (type) {
    case RecordType::kCreate:
    case RecordType::kMkdir:
    case RecordType::kMknod:
    case RecordType::kSymlink:
    case RecordType::kLink:
    case RecordType::kUnlink:
    case RecordType::kRmdir:
    case RecordType::kRename:
    case RecordType::kWrite:
    case RecordType::kTruncate:
    case RecordType::kSetAttr:
    case RecordType::kFallocate:
    case RecordType::kSetXattr:
    case RecordType::kRemoveXattr:
      return true;
    default:
      return false;
  }
}

bool is_durability(RecordType type) {
  return type == RecordType::kFsync || type == RecordType::kFdatasync || type == RecordType::kFsyncdir;
}

}  // namespace crashfs
