// RecordingFs: directory entry operations (mknod, mkdir, symlink, link,
// unlink, rmdir, rename).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

#include "fusefs/recording_fs.h"
#include "fusefs/recording_fs_internal.h"

namespace crashfs::fusefs {

void RecordingFs::set_owner(fuse_req_t req, Node& parent, const char* name, int fd) {
  // crashfs runs as root: give what a non-root caller creates back to it,
  // as the kernel would have (a setgid directory keeps its group).
  const fuse_ctx* ctx = fuse_req_ctx(req);
  if (ctx == nullptr || (ctx->uid == euid_ && ctx->gid == getegid())) return;
  struct stat dir {};
  fstatat(parent.fd, "", &dir, AT_EMPTY_PATH);
  const gid_t gid = (dir.st_mode & S_ISGID) ? static_cast<gid_t>(-1) : ctx->gid;
  if (fd >= 0) {
    (void)fchown(fd, ctx->uid, gid);
  } else {
    (void)fchownat(parent.fd, name, ctx->uid, gid, AT_SYMLINK_NOFOLLOW);
  }
}

void RecordingFs::reply_new_entry(fuse_req_t req, Node& parent, const char* name, Record rec, const Caller& who,
                                  std::unique_lock<std::mutex>& lock) {
  set_owner(req, parent, name, -1);
  const int fd = openat(parent.fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    const int err = errno;
    if (fd >= 0) close(fd);
    lock.unlock();
    spdlog::error("crashfs: {} was created but cannot be opened: {}", name, std::strerror(err));
    return (void)fuse_reply_err(req, err);
  }
  Node* n = nodes_.add(st.st_dev, st.st_ino, kind_of_mode(st.st_mode), /*preexisting=*/false);
  rec.node = n->id;
  rec.parent = parent.id;
  rec.name = name;
  rec.mode = st.st_mode;
  rec.uid = st.st_uid;
  rec.gid = st.st_gid;
  rec.rdev = st.st_rdev;
  const Status trace_status = journal_.append(rec, who);
  lock.unlock();
  nodes_.ref(n, fd);
  if (!trace_status) {
    // The kernel got no entry, so drop the lookup we just took.
    nodes_.forget(n->id, 1);
    return fail_trace(req, trace_status);
  }
  fuse_entry_param e;
  fill_entry(e, *n, st);
  fuse_reply_entry(req, &e);
}

void RecordingFs::mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  if (reserved(parent, name)) return (void)fuse_reply_err(req, EEXIST);
  Node* p = node(parent);
  if (p == nullptr) return (void)fuse_reply_err(req, ESTALE);
  spdlog::debug("mknod {}/{} mode={:o}", parent, name, mode);
  const Caller who = caller(req);
  auto lock = journal_.lock();
  if (mknodat(p->fd, name, mode, rdev) != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  Record rec;
  rec.type = RecordType::kMknod;
  reply_new_entry(req, *p, name, rec, who, lock);
}

void RecordingFs::mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  if (reserved(parent, name)) return (void)fuse_reply_err(req, EEXIST);
  Node* p = node(parent);
  if (p == nullptr) return (void)fuse_reply_err(req, ESTALE);
  spdlog::debug("mkdir {}/{} mode={:o}", parent, name, mode);
  const Caller who = caller(req);
  auto lock = journal_.lock();
  if (mkdirat(p->fd, name, mode) != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  Record rec;
  rec.type = RecordType::kMkdir;
  reply_new_entry(req, *p, name, rec, who, lock);
}

void RecordingFs::symlink(fuse_req_t req, const char* target, fuse_ino_t parent, const char* name) {
  if (reserved(parent, name)) return (void)fuse_reply_err(req, EEXIST);
  Node* p = node(parent);
  if (p == nullptr) return (void)fuse_reply_err(req, ESTALE);
  spdlog::debug("symlink {}/{} -> {}", parent, name, target);
  const Caller who = caller(req);
  auto lock = journal_.lock();
  if (symlinkat(target, p->fd, name) != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  Record rec;
  rec.type = RecordType::kSymlink;
  rec.data = target;
  reply_new_entry(req, *p, name, rec, who, lock);
}

void RecordingFs::link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t new_parent, const char* new_name) {
  if (is_output_node(ino)) return (void)fuse_reply_err(req, EPERM);
  if (reserved(new_parent, new_name)) return (void)fuse_reply_err(req, EEXIST);
  Node* n = node(ino);
  Node* p = node(new_parent);
  if (n == nullptr || p == nullptr) return (void)fuse_reply_err(req, ESTALE);
  spdlog::debug("link {} -> {}/{}", ino, new_parent, new_name);
  const Caller who = caller(req);
  auto lock = journal_.lock();
  int rc = linkat(n->fd, "", p->fd, new_name, AT_EMPTY_PATH);
  if (rc != 0 && errno == ENOENT) {
    // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the /proc link works without.
    rc = linkat(AT_FDCWD, ProcPath(n->fd).c_str(), p->fd, new_name, AT_SYMLINK_FOLLOW);
  }
  if (rc != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  Record rec;
  rec.type = RecordType::kLink;
  rec.node = n->id;
  rec.new_parent = p->id;
  rec.new_name = new_name;
  const Status trace_status = journal_.append(rec, who);
  lock.unlock();
  if (!trace_status) return fail_trace(req, trace_status);
  struct stat st {};
  if (fstatat(n->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) return (void)fuse_reply_err(req, errno);
  nodes_.ref(n, -1);
  fuse_entry_param e;
  fill_entry(e, *n, st);
  fuse_reply_entry(req, &e);
}

void RecordingFs::unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (reserved(parent, name)) return (void)fuse_reply_err(req, EPERM);
  Node* p = node(parent);
  if (p == nullptr) return (void)fuse_reply_err(req, ESTALE);
  spdlog::debug("unlink {}/{}", parent, name);
  const Caller who = caller(req);
  auto lock = journal_.lock();
  struct stat st {};
  if (fstatat(p->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  if (is_trace(st)) {
    lock.unlock();
    return (void)fuse_reply_err(req, ENOENT);
  }
  Node* n = known_node(*p, name, st, -1, who);
  Status trace_status = journal_.preimage_at(*n, p->fd, name, who);
  if (!trace_status) {
    lock.unlock();
    return fail_trace(req, trace_status);
  }
  if (unlinkat(p->fd, name, 0) != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  if (st.st_nlink <= 1) nodes_.unmap(n);  // its inode number is free for reuse
  Record rec;
  rec.type = RecordType::kUnlink;
  rec.node = n->id;
  rec.parent = p->id;
  rec.name = name;
  trace_status = journal_.append(rec, who);
  lock.unlock();
  if (!trace_status) return fail_trace(req, trace_status);
  fuse_reply_err(req, 0);
}

void RecordingFs::rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (reserved(parent, name)) return (void)fuse_reply_err(req, ENOTDIR);
  Node* p = node(parent);
  if (p == nullptr) return (void)fuse_reply_err(req, ESTALE);
  spdlog::debug("rmdir {}/{}", parent, name);
  const Caller who = caller(req);
  auto lock = journal_.lock();
  struct stat st {};
  if (fstatat(p->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  Node* n = known_node(*p, name, st, -1, who);
  if (unlinkat(p->fd, name, AT_REMOVEDIR) != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  nodes_.unmap(n);
  Record rec;
  rec.type = RecordType::kRmdir;
  rec.node = n->id;
  rec.parent = p->id;
  rec.name = name;
  const Status trace_status = journal_.append(rec, who);
  lock.unlock();
  if (!trace_status) return fail_trace(req, trace_status);
  fuse_reply_err(req, 0);
}

void RecordingFs::rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t new_parent,
                         const char* new_name, unsigned int flags) {
  if (reserved(parent, name) || reserved(new_parent, new_name)) return (void)fuse_reply_err(req, EPERM);
  Node* p = node(parent);
  Node* np = node(new_parent);
  if (p == nullptr || np == nullptr) return (void)fuse_reply_err(req, ESTALE);
  spdlog::debug("rename {}/{} -> {}/{} flags={}", parent, name, new_parent, new_name, flags);
  const Caller who = caller(req);
  auto lock = journal_.lock();
  struct stat st {};
  if (fstatat(p->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  struct stat victim_st {};
  const bool has_victim = fstatat(np->fd, new_name, &victim_st, AT_SYMLINK_NOFOLLOW) == 0;
  if (is_trace(st) || (has_victim && is_trace(victim_st))) {
    // The trace is invisible on the mount; never let a rename move or replace it.
    lock.unlock();
    spdlog::warn("crashfs: refused a rename onto or of the trace file ({})", new_name);
    return (void)fuse_reply_err(req, EACCES);
  }
  Node* n = known_node(*p, name, st, -1, who);
  Node* victim = nullptr;
  Status trace_status;
  if (has_victim && !(victim_st.st_dev == st.st_dev && victim_st.st_ino == st.st_ino)) {
    victim = known_node(*np, new_name, victim_st, -1, who);
    if (!(flags & RENAME_EXCHANGE) && !(flags & RENAME_NOREPLACE)) {
      trace_status = journal_.preimage_at(*victim, np->fd, new_name, who);
    }
  }
  if (!trace_status) {
    lock.unlock();
    return fail_trace(req, trace_status);
  }
  if (renameat2(p->fd, name, np->fd, new_name, flags) != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  if (has_victim && victim == nullptr) {
    // Both names are links of one file: rename(2) does nothing, nothing to record.
    lock.unlock();
    return (void)fuse_reply_err(req, 0);
  }
  if (victim != nullptr && !(flags & RENAME_EXCHANGE) && (S_ISDIR(victim_st.st_mode) || victim_st.st_nlink <= 1)) {
    nodes_.unmap(victim);
  }
  Node* whiteout = nullptr;
  struct stat whiteout_st {};
  if (flags & RENAME_WHITEOUT) {
    // The file system left a whiteout (a 0/0 character device) at the old
    // name, possibly on the inode number of a file deleted earlier: a new
    // node, owned like anything the caller creates.
    set_owner(req, *p, name, -1);
    if (fstatat(p->fd, name, &whiteout_st, AT_SYMLINK_NOFOLLOW) == 0) {
      whiteout = nodes_.add(whiteout_st.st_dev, whiteout_st.st_ino, kind_of_mode(whiteout_st.st_mode), false);
    } else {
      spdlog::error("crashfs: the whiteout of a rename at {} cannot be found: {}", name, std::strerror(errno));
    }
  }
  Record rec;
  rec.type = RecordType::kRename;
  rec.node = n->id;
  rec.parent = p->id;
  rec.name = name;
  rec.new_parent = np->id;
  rec.new_name = new_name;
  rec.victim = victim != nullptr ? victim->id : 0;
  rec.whiteout = whiteout != nullptr ? whiteout->id : 0;
  rec.uid = whiteout != nullptr ? whiteout_st.st_uid : 0;
  rec.gid = whiteout != nullptr ? whiteout_st.st_gid : 0;
  rec.flags = flags;
  trace_status = journal_.append(rec, who);
  lock.unlock();
  if (!trace_status) return fail_trace(req, trace_status);
  fuse_reply_err(req, 0);
}

}  // namespace crashfs::fusefs
