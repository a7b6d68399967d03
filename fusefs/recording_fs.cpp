// RecordingFs: construction, node/caller helpers, lookup, attributes.
#include "fusefs/recording_fs.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <thread>

#include <spdlog/spdlog.h>

#include "fusefs/recording_fs_internal.h"

namespace crashfs::fusefs {

RecordingFs::RecordingFs(int root_fd, TraceWriter* writer, FsOptions options)
    : journal_(writer), writer_(writer), options_(options), euid_(geteuid()) {
  struct stat st {};
  fstat(root_fd, &st);
  nodes_.set_root(root_fd, st.st_dev, st.st_ino);
  if (options_.capture_output) output_.enable(options_.forward_stdout, options_.forward_stderr);
}

Status RecordingFs::begin(const std::string& session_json) {
  if (!journal_.recording()) return Status::ok();
  Node* root = nodes_.get(kRootNode);
  struct stat st {};
  if (fstatat(root->fd, "", &st, AT_EMPTY_PATH) != 0) {
    return Status::io_error(fmt::format("cannot stat the recorded directory: {}", std::strerror(errno)));
  }
  auto lock = journal_.lock();
  const Caller crashfs_itself;  // pid 0: records crashfs writes on its own
  Record session;
  session.type = RecordType::kSession;
  session.data = session_json;
  if (Status s = journal_.append(session, crashfs_itself); !s) return s;
  if (Status s = journal_.known(*root, 0, "", st, "", crashfs_itself); !s) return s;
  return record_tree(crashfs_itself);
}

bool RecordingFs::wait_until_released(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (open_files_.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

Node* RecordingFs::node(fuse_ino_t ino) { return nodes_.get(ino); }

Caller RecordingFs::caller(fuse_req_t req) {
  if (!journal_.recording()) return {};
  const fuse_ctx* ctx = fuse_req_ctx(req);
  if (ctx == nullptr || ctx->pid <= 0) return {};
  return processes_.identify(static_cast<std::uint32_t>(ctx->pid));
}

bool RecordingFs::is_trace(const struct stat& st) const {
  return writer_ != nullptr && st.st_ino == writer_->ino() && st.st_dev == writer_->dev();
}

void RecordingFs::fail_trace(fuse_req_t req, const Status& st) {
  if (!trace_failure_logged_.exchange(true)) spdlog::error("crashfs: {}", st.message());
  fuse_reply_err(req, EIO);
}

Status RecordingFs::drop_privileges_on_write(fuse_req_t req, int fd, const Node& node, const Caller& who) {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  if (ctx == nullptr || ctx->uid == 0 || ctx->pid == 0) return Status::ok();
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return Status::ok();
  const bool setuid = (st.st_mode & S_ISUID) != 0;
  const bool setgid = (st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
  if (!setuid && !setgid) return Status::ok();
  const mode_t mode = st.st_mode & ~(S_ISUID | (setgid ? S_ISGID : 0)) & 07777;
  if (fchmod(fd, mode) != 0) return Status::ok();
  Record rec;
  rec.type = RecordType::kSetAttr;
  rec.node = node.id;
  rec.valid = kAttrMode;
  rec.mode = (st.st_mode & S_IFMT) | mode;
  rec.uid = st.st_uid;
  rec.gid = st.st_gid;
  rec.atime_ns = to_ns(st.st_atim);
  rec.mtime_ns = to_ns(st.st_mtim);
  return journal_.append(rec, who);
}

void RecordingFs::fill_entry(fuse_entry_param& e, const Node& node, const struct stat& st) const {
  std::memset(&e, 0, sizeof e);
  e.ino = node.id;
  e.attr = st;
  e.attr_timeout = options_.attr_timeout;
  e.entry_timeout = options_.attr_timeout;
}

void RecordingFs::init(fuse_conn_info* conn) {
  // Each write(2) must reach us, in order, with its bytes in memory: no
  // writeback cache (the kernel would merge and reorder), no splice (the
  // bytes would sit in a pipe we must copy out of anyway).
  conn->want &= ~(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
  // open(O_TRUNC) arrives as one open with O_TRUNC, not setattr + open.
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  // Async requests (release, mmap writeback) enter the request queue when
  // issued only below max_background; a bigger window keeps a program's
  // close() ahead of its next operation (see request_loop.h).
  conn->max_background = 1024;
  conn->congestion_threshold = 768;
  // Locks stay in the kernel (see recording_fs.h).
  conn->want &= ~(FUSE_CAP_POSIX_LOCKS | FUSE_CAP_FLOCK_LOCKS);
}

Node* RecordingFs::known_node(Node& parent, const char* name, const struct stat& st, int path_fd,
                              const Caller& who) {
  if (Node* n = nodes_.find(st.st_dev, st.st_ino)) return n;
  // First sight of an object that existed before recording.
  Node* n = nodes_.add(st.st_dev, st.st_ino, kind_of_mode(st.st_mode), /*preexisting=*/true);
  if (journal_.recording()) {
    char target[PATH_MAX + 1];
    std::string_view link_target;
    if (S_ISLNK(st.st_mode)) {
      const ssize_t len = path_fd >= 0 ? readlinkat(path_fd, "", target, PATH_MAX)
                                       : readlinkat(parent.fd, name, target, PATH_MAX);
      if (len > 0) link_target = std::string_view(target, static_cast<std::size_t>(len));
    }
    if (Status s = journal_.known(*n, parent.id, name, st, link_target, who); !s) throw std::runtime_error(s.message());
  }
  return n;
}

int RecordingFs::do_lookup(Node& parent, const char* name, fuse_entry_param& e, const Caller& who) {
  const int fd = openat(parent.fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  struct stat st {};
  if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    const int err = errno;
    close(fd);
    return err;
  }
  if (is_trace(st)) {
    close(fd);
    return ENOENT;
  }
  Node* n = nodes_.find(st.st_dev, st.st_ino);
  if (n == nullptr) {
    auto lock = journal_.lock();
    try {
      n = known_node(parent, name, st, fd, who);
    } catch (...) {
      close(fd);
      throw;
    }
  }
  nodes_.ref(n, fd);
  fill_entry(e, *n, st);
  return 0;
}

void RecordingFs::lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (parent == kRootNode) {
    if (const std::uint32_t stream = output_.stream_named(name)) return output_entry(req, stream);
  }
  Node* p = node(parent);
  if (p == nullptr) return (void)fuse_reply_err(req, ESTALE);
  spdlog::debug("lookup {}/{}", parent, name);
  fuse_entry_param e;
  const int err = do_lookup(*p, name, e, caller(req));
  if (err != 0) return (void)fuse_reply_err(req, err);
  fuse_reply_entry(req, &e);
}

void RecordingFs::forget(fuse_ino_t ino, std::uint64_t nlookup) { nodes_.forget(ino, nlookup); }

void RecordingFs::getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (is_output_node(ino)) return output_getattr(req, ino);
  struct stat st {};
  int rc;
  if (fi != nullptr) {
    rc = fstat(reinterpret_cast<FileHandle*>(fi->fh)->fd, &st);
  } else {
    Node* n = node(ino);
    if (n == nullptr) return (void)fuse_reply_err(req, ESTALE);
    rc = fstatat(n->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
  }
  if (rc != 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_attr(req, &st, options_.attr_timeout);
}

void RecordingFs::setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int valid, fuse_file_info* fi) {
  if (is_output_node(ino)) return output_getattr(req, ino);  // a stream: truncation and attributes do not apply
  Node* n = node(ino);
  if (n == nullptr) return (void)fuse_reply_err(req, ESTALE);
  FileHandle* h = fi != nullptr ? reinterpret_cast<FileHandle*>(fi->fh) : nullptr;
  const ProcPath proc(n->fd);
  const Caller who = caller(req);
  spdlog::debug("setattr {} valid={:#x}", ino, valid);

  auto lock = journal_.lock();
  int err = 0;
  Status trace_status;
  struct stat before {};
  const bool have_before = fstatat(n->fd, "", &before, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0;
  if (valid & FUSE_SET_ATTR_SIZE) {
    trace_status = journal_.preimage(*n, -1, who);
    if (!trace_status) {
      lock.unlock();
      return fail_trace(req, trace_status);
    }
    const int rc = h != nullptr ? ftruncate(h->fd, attr->st_size) : truncate(proc.c_str(), attr->st_size);
    if (rc != 0) {
      err = errno;
    } else {
      Record rec;
      rec.type = RecordType::kTruncate;
      rec.node = n->id;
      rec.fh = h != nullptr ? h->id : 0;
      rec.length = static_cast<std::uint64_t>(attr->st_size);
      trace_status = journal_.append(rec, who);
      if (trace_status && !(valid & FUSE_SET_ATTR_MODE)) {
        const int fd = h != nullptr ? h->fd : ::open(proc.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
          trace_status = drop_privileges_on_write(req, fd, *n, who);
          if (h == nullptr) close(fd);
        }
      }
    }
  }
  std::uint32_t recorded = 0;
  if (err == 0 && (valid & FUSE_SET_ATTR_MODE)) {
    const int rc = h != nullptr ? fchmod(h->fd, attr->st_mode) : chmod(proc.c_str(), attr->st_mode);
    if (rc != 0) err = errno; else recorded |= kAttrMode;
  }
  if (err == 0 && (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
    const uid_t uid = (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : static_cast<uid_t>(-1);
    const gid_t gid = (valid & FUSE_SET_ATTR_GID) ? attr->st_gid : static_cast<gid_t>(-1);
    if (fchownat(n->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
      err = errno;
    } else {
      if (valid & FUSE_SET_ATTR_UID) recorded |= kAttrUid;
      if (valid & FUSE_SET_ATTR_GID) recorded |= kAttrGid;
    }
  }
  if (err == 0 && (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
    timespec tv[2];
    tv[0].tv_sec = tv[1].tv_sec = 0;
    tv[0].tv_nsec = tv[1].tv_nsec = UTIME_OMIT;
    if (valid & FUSE_SET_ATTR_ATIME_NOW) tv[0].tv_nsec = UTIME_NOW;
    else if (valid & FUSE_SET_ATTR_ATIME) tv[0] = attr->st_atim;
    if (valid & FUSE_SET_ATTR_MTIME_NOW) tv[1].tv_nsec = UTIME_NOW;
    else if (valid & FUSE_SET_ATTR_MTIME) tv[1] = attr->st_mtim;
    const int rc = h != nullptr ? futimens(h->fd, tv) : utimensat(AT_FDCWD, proc.c_str(), tv, 0);
    if (rc != 0) {
      err = errno;
    } else {
      if (valid & FUSE_SET_ATTR_ATIME) recorded |= kAttrAtime;
      if (valid & FUSE_SET_ATTR_MTIME) recorded |= kAttrMtime;
    }
  }
  struct stat st {};
  const int stat_rc = h != nullptr ? fstat(h->fd, &st) : fstatat(n->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
  // chown clears set-user/group-id bits: the mode changed too.
  if (recorded != 0 && have_before && stat_rc == 0 && st.st_mode != before.st_mode) recorded |= kAttrMode;
  if (recorded != 0 && trace_status) {
    // The values the backing store now holds (resolves *_NOW to real times).
    Record rec;
    rec.type = RecordType::kSetAttr;
    rec.node = n->id;
    rec.valid = recorded;
    rec.mode = st.st_mode;
    rec.uid = st.st_uid;
    rec.gid = st.st_gid;
    rec.atime_ns = to_ns(st.st_atim);
    rec.mtime_ns = to_ns(st.st_mtim);
    trace_status = journal_.append(rec, who);
  }
  lock.unlock();
  if (!trace_status) return fail_trace(req, trace_status);
  if (err != 0) return (void)fuse_reply_err(req, err);
  if (stat_rc != 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_attr(req, &st, options_.attr_timeout);
}

void RecordingFs::readlink(fuse_req_t req, fuse_ino_t ino) {
  Node* n = node(ino);
  if (n == nullptr) return (void)fuse_reply_err(req, ESTALE);
  char buf[PATH_MAX + 1];
  const ssize_t len = readlinkat(n->fd, "", buf, sizeof buf);
  if (len < 0) return (void)fuse_reply_err(req, errno);
  if (static_cast<std::size_t>(len) == sizeof buf) return (void)fuse_reply_err(req, ENAMETOOLONG);
  buf[len] = '\0';
  fuse_reply_readlink(req, buf);
}

void RecordingFs::statfs(fuse_req_t req, fuse_ino_t ino) {
  Node* n = node(ino);
  if (n == nullptr) n = node(kRootNode);
  struct statvfs sv {};
  if (fstatvfs(n->fd, &sv) != 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_statfs(req, &sv);
}

}  // namespace crashfs::fusefs
