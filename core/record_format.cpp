#include "core/record_format.h"

#include <fcntl.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/output_lines.h"

namespace crashfs {
namespace {

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

std::string open_flags(std::uint32_t flags) {
  std::string out;
  auto add = [&](const char* name) {
    if (!out.empty()) out += '|';
    out += name;
  };
  switch (flags & O_ACCMODE) {
    case O_RDONLY: add("O_RDONLY"); break;
    case O_WRONLY: add("O_WRONLY"); break;
    default: add("O_RDWR"); break;
  }
  if (flags & O_CREAT) add("O_CREAT");
  if (flags & O_EXCL) add("O_EXCL");
  if (flags & O_TRUNC) add("O_TRUNC");
  if (flags & O_APPEND) add("O_APPEND");
  if ((flags & O_SYNC) == O_SYNC) add("O_SYNC");
  else if (flags & O_DSYNC) add("O_DSYNC");
  return out;
}

}  // namespace

std::string escape_bytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += c;
        } else {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        }
    }
  }
  return out;
}

std::string describe_op(const Record& rec, const PathTracker& paths) {
  const std::string_view op = to_string(rec.type);
  const auto path = [&] { return paths.path_of(rec.node); };
  switch (rec.type) {
    case RecordType::kProcessInfo:
      return fmt::format("process {} \"{}\"", rec.pid, rec.data);
    case RecordType::kKnown: {
      const std::string owner = fmt::format(" uid={} gid={}", rec.uid, rec.gid);
      const std::string rdev = rec.kind == NodeKind::kSpecial && rec.rdev != 0 ? fmt::format(" rdev={:#x}", rec.rdev) : "";
      return fmt::format("known {} {} node={} size={} mode={:o}{}{}", to_string(rec.kind),
                         paths.child_path(rec.parent, rec.name), rec.node, rec.length, rec.mode, owner, rdev);
    }
    case RecordType::kKnownXattr:
      return fmt::format("knownxattr {} {} +{}", path(), rec.name, rec.data.size());
    case RecordType::kPreImage:
      return fmt::format("preimage {} @{} +{}", path(), rec.offset, rec.data.size());
    case RecordType::kCreate:
      return fmt::format("create {} {} mode={:o}", paths.child_path(rec.parent, rec.name), open_flags(rec.flags),
                         rec.mode & 07777);
    case RecordType::kMkdir:
    case RecordType::kMknod:
      return fmt::format("{} {} mode={:o}", op, paths.child_path(rec.parent, rec.name), rec.mode & 07777);
    case RecordType::kSymlink:
      return fmt::format("symlink {} -> {}", paths.child_path(rec.parent, rec.name), rec.data);
    case RecordType::kLink:
      return fmt::format("link {} -> {}", path(), paths.child_path(rec.new_parent, rec.new_name));
    case RecordType::kUnlink:
    case RecordType::kRmdir:
      return fmt::format("{} {}", op, paths.child_path(rec.parent, rec.name));
    case RecordType::kRename: {
      std::string flags;
      if (rec.flags & kRenameNoReplace) flags += " NOREPLACE";
      if (rec.flags & kRenameExchange) flags += " EXCHANGE";
      if (rec.flags & kRenameWhiteout) flags += fmt::format(" WHITEOUT (node {})", rec.whiteout);
      return fmt::format("rename {} -> {}{}{}", paths.child_path(rec.parent, rec.name),
                         paths.child_path(rec.new_parent, rec.new_name), rec.victim ? " (replacing)" : "", flags);
    }
    case RecordType::kOpen:
      return fmt::format("open {} {}", path(), open_flags(rec.flags));
    case RecordType::kWrite: {
      std::string sync = (rec.flags & kWriteSynced) ? " O_SYNC" : (rec.flags & kWriteDsynced) ? " O_DSYNC" : "";
      return fmt::format("write {} @{} +{}{}", path(), rec.offset, rec.data.size(), sync);
    }
    case RecordType::kTruncate:
      return fmt::format("truncate {} size={}{}", path(), rec.length,
                         (rec.flags & kTruncateByOpen) ? " (open O_TRUNC)" : "");
    case RecordType::kSetAttr: {
      std::string what;
      if (rec.valid & kAttrMode) what += fmt::format(" mode={:o}", rec.mode & 07777);
      if (rec.valid & kAttrUid) what += fmt::format(" uid={}", rec.uid);
      if (rec.valid & kAttrGid) what += fmt::format(" gid={}", rec.gid);
      if (rec.valid & kAttrAtime) what += fmt::format(" atime={}", rec.atime_ns);
      if (rec.valid & kAttrMtime) what += fmt::format(" mtime={}", rec.mtime_ns);
      return fmt::format("setattr {}{}", path(), what);
    }
    case RecordType::kFallocate:
      return fmt::format("fallocate {} @{} +{} mode={}", path(), rec.offset, rec.length, rec.flags);
    case RecordType::kFsync:
    case RecordType::kFdatasync:
    case RecordType::kRelease:
      return fmt::format("{} {}", op, path());
    case RecordType::kFsyncdir:
      return fmt::format("fsyncdir {}", paths.path_of(rec.node).empty() ? "." : paths.path_of(rec.node));
    case RecordType::kSetXattr:
      return fmt::format("setxattr {} {} +{}", path(), rec.name, rec.data.size());
    case RecordType::kRemoveXattr:
      return fmt::format("removexattr {} {}", path(), rec.name);
    case RecordType::kMark:
      return fmt::format("mark \"{}\"", rec.data);
    case RecordType::kSession:
      return fmt::format("session {}", rec.data);
    case RecordType::kOutput:
      return fmt::format("output {} +{} \"{}\"", output_stream_name(rec.flags), rec.data.size(),
                         escape_bytes(rec.data));
  }
  return std::string(op);
}

std::string describe(const Record& rec, const PathTracker& paths) {
  std::string comm(paths.comm_of(rec.pid));
  if (rec.type == RecordType::kProcessInfo) comm = std::string(rec.data);
  return fmt::format("#{} {}[{}/{}] {}", rec.seq, comm.empty() ? "?" : comm, rec.pid, rec.tid,
                     describe_op(rec, paths));
}

nlohmann::json to_json(const Record& rec, const PathTracker& paths) {
  const std::uint32_t fields = kRecordFields[static_cast<int>(rec.type)];
  nlohmann::json j;
  j["seq"] = rec.seq;
  j["type"] = std::string(to_string(rec.type));
  j["time_ns"] = rec.time_ns;
  j["pid"] = rec.pid;
  j["tid"] = rec.tid;
  j["comm"] = rec.type == RecordType::kProcessInfo ? std::string(rec.data) : std::string(paths.comm_of(rec.pid));
  if (fields & kFNode) {
    j["node"] = rec.node;
    if (rec.type != RecordType::kKnown && !(fields & kFName && fields & kFParent)) j["path"] = paths.path_of(rec.node);
  }
  if (fields & kFParent) {
    j["parent"] = rec.parent;
    j["path"] = paths.child_path(rec.parent, rec.name);
  }
  if (fields & kFName) j["name"] = std::string(rec.name);
  if (fields & kFNewParent) {
    j["new_parent"] = rec.new_parent;
    j["new_path"] = paths.child_path(rec.new_parent, rec.new_name);
  }
  if (fields & kFNewName) j["new_name"] = std::string(rec.new_name);
  if (fields & kFVictim) j["victim"] = rec.victim;
  if (fields & kFWhiteout) j["whiteout"] = rec.whiteout;
  if (fields & kFFh) j["fh"] = rec.fh;
  if (fields & kFOffset) j["offset"] = rec.offset;
  if (fields & kFLength) j["length"] = rec.length;
  if (fields & kFMode) j["mode"] = rec.mode;
  if (fields & kFFlags) j["flags"] = rec.flags;
  if (fields & kFUid) j["uid"] = rec.uid;
  if (fields & kFGid) j["gid"] = rec.gid;
  if (fields & kFRdev) j["rdev"] = rec.rdev;
  if (fields & kFAtime) j["atime_ns"] = rec.atime_ns;
  if (fields & kFMtime) j["mtime_ns"] = rec.mtime_ns;
  if (fields & kFValid) j["valid"] = rec.valid;
  if (fields & kFKind) j["kind"] = std::string(to_string(rec.kind));
  if (fields & kFData) {
    j["data_len"] = rec.data.size();
    if (rec.type == RecordType::kOutput) {
      j["stream"] = output_stream_name(rec.flags);
      j["data"] = escape_bytes(rec.data);
    } else if (rec.data.size() <= 256 && printable(rec.data)) {
      j["data"] = std::string(rec.data);
    }
  }
  return j;
}

}  // namespace crashfs
