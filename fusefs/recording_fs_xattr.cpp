// RecordingFs: extended attributes, and the Mark xattr.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <spdlog/spdlog.h>

#include "fusefs/recording_fs.h"
#include "fusefs/recording_fs_internal.h"

namespace crashfs::fusefs {
namespace {

// Whether setting or removing `name` can change the node's mode on the
// backing file system: a POSIX ACL (system.posix_acl_access) carries the
// permission bits, so `sed -i` and `cp -a`, which copy permissions as an
// ACL, chmod without a chmod.  Only user.* attributes are known not to.
bool may_change_mode(const char* name) { return std::strncmp(name, "user.", 5) != 0; }

mode_t mode_of(int node_fd) {
  struct stat st {};
  return fstatat(node_fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 ? st.st_mode : 0;
}

}  // namespace

Status RecordingFs::record_mode_side_effect(const Node& n, mode_t before, const Caller& who) {
  const mode_t after = mode_of(n.fd);
  if (after == 0 || after == before) return Status::ok();
  Record rec;
  rec.type = RecordType::kSetAttr;
  rec.node = n.id;
  rec.valid = kAttrMode;
  rec.mode = after;
  return journal_.append(rec, who);
}

void RecordingFs::setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size,
                           int flags) {
  Node* n = node(ino);
  if (n == nullptr && !is_output_node(ino)) return (void)fuse_reply_err(req, ESTALE);
  const Caller who = caller(req);
  if (std::strcmp(name, kMarkXattr) == 0) {
    // A label for this point of the trace, not an attribute: never stored.
    auto lock = journal_.lock();
    Record rec;
    rec.type = RecordType::kMark;
    rec.data = std::string_view(value, size);
    const Status st = journal_.append(rec, who);
    lock.unlock();
    spdlog::debug("mark {}", std::string_view(value, size));
    if (!st) return fail_trace(req, st);
    return (void)fuse_reply_err(req, 0);
  }
  if (n == nullptr) return (void)fuse_reply_err(req, ENOTSUP);  // an output node has no attributes
  auto lock = journal_.lock();
  const mode_t mode_before = may_change_mode(name) ? mode_of(n->fd) : 0;
  if (::setxattr(ProcPath(n->fd).c_str(), name, value, size, flags) != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  Record rec;
  rec.type = RecordType::kSetXattr;
  rec.node = n->id;
  rec.name = name;
  rec.flags = static_cast<std::uint32_t>(flags);
  rec.data = std::string_view(value, size);
  Status st = journal_.append(rec, who);
  if (st && mode_before != 0) st = record_mode_side_effect(*n, mode_before, who);
  lock.unlock();
  if (!st) return fail_trace(req, st);
  fuse_reply_err(req, 0);
}

void RecordingFs::removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  Node* n = node(ino);
  if (n == nullptr) return (void)fuse_reply_err(req, is_output_node(ino) ? ENODATA : ESTALE);
  const Caller who = caller(req);
  auto lock = journal_.lock();
  const mode_t mode_before = may_change_mode(name) ? mode_of(n->fd) : 0;
  if (::removexattr(ProcPath(n->fd).c_str(), name) != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  Record rec;
  rec.type = RecordType::kRemoveXattr;
  rec.node = n->id;
  rec.name = name;
  Status st = journal_.append(rec, who);
  if (st && mode_before != 0) st = record_mode_side_effect(*n, mode_before, who);
  lock.unlock();
  if (!st) return fail_trace(req, st);
  fuse_reply_err(req, 0);
}

void RecordingFs::getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  spdlog::debug("getxattr {} {}", ino, name);
  Node* n = node(ino);
  if (n == nullptr) return (void)fuse_reply_err(req, is_output_node(ino) ? ENODATA : ESTALE);
  const ProcPath proc(n->fd);
  if (size == 0) {
    const ssize_t len = ::getxattr(proc.c_str(), name, nullptr, 0);
    if (len < 0) return (void)fuse_reply_err(req, errno);
    return (void)fuse_reply_xattr(req, static_cast<std::size_t>(len));
  }
  std::unique_ptr<char[]> value(new char[size]);
  const ssize_t len = ::getxattr(proc.c_str(), name, value.get(), size);
  if (len < 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_buf(req, value.get(), static_cast<std::size_t>(len));
}

void RecordingFs::listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  Node* n = node(ino);
  if (n == nullptr) {
    if (!is_output_node(ino)) return (void)fuse_reply_err(req, ESTALE);
    return (void)(size == 0 ? fuse_reply_xattr(req, 0) : fuse_reply_buf(req, nullptr, 0));
  }
  const ProcPath proc(n->fd);
  if (size == 0) {
    const ssize_t len = ::listxattr(proc.c_str(), nullptr, 0);
    if (len < 0) return (void)fuse_reply_err(req, errno);
    return (void)fuse_reply_xattr(req, static_cast<std::size_t>(len));
  }
  std::unique_ptr<char[]> value(new char[size]);
  const ssize_t len = ::listxattr(proc.c_str(), value.get(), size);
  if (len < 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_buf(req, value.get(), static_cast<std::size_t>(len));
}

}  // namespace crashfs::fusefs
