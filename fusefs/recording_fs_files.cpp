// RecordingFs: open files (open, create, read, write, flush, release, fsync,
// fallocate, copy_file_range, lseek).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/trace_format.h"
#include "fusefs/recording_fs.h"
#include "fusefs/recording_fs_internal.h"

namespace crashfs::fusefs {

int RecordingFs::backing_open_flags(int flags) const {
  // O_CREAT/O_EXCL are handled by create(); O_NOFOLLOW is meaningless on a
  // /proc reopen; O_DIRECT would demand aligned buffers we do not have.
  flags &= ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW | O_DIRECT);
  // O_APPEND is the kernel's job: it computes the end of file under the
  // inode lock and sends it as the WRITE offset.  Kept on the backing
  // descriptor, it would move writes that carry an explicit offset (the
  // writeback of a shared mapping through this handle) to the end of the
  // file, and the offset a write landed at would cost an fstat per write.
  flags &= ~O_APPEND;
  // The trace decides what is durable: a synchronous write is recorded as
  // such (write_flags) but not paid for, unless --real-fsync.
  if (!options_.real_fsync && journal_.recording()) flags &= ~(O_SYNC | O_DSYNC);
  return flags | O_CLOEXEC;
}

std::uint32_t RecordingFs::write_flags(int flags) const {
  if ((flags & O_SYNC) == O_SYNC) return kWriteSynced;
  if (flags & O_DSYNC) return kWriteDsynced;
  return 0;
}

RecordingFs::FileHandle* RecordingFs::new_file_handle(Node& node, int fd, int flags, const Caller& who,
                                                      bool recorded) {
  auto* h = new FileHandle;
  h->id = next_fh_.fetch_add(1, std::memory_order_relaxed);
  h->fd = fd;
  h->node = &node;
  h->flags = flags;
  h->write_flags = write_flags(flags);
  h->recorded = recorded;
  h->opener = who;
  open_files_.fetch_add(1);
  return h;
}

namespace {

bool opens_for_writing(int flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC); }

}  // namespace

void RecordingFs::open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (is_output_node(ino)) return output_open(req, ino, fi);
  Node* n = node(ino);
  if (n == nullptr) return (void)fuse_reply_err(req, ESTALE);
  spdlog::debug("open {} flags={:#o}", ino, fi->flags);
  const ProcPath proc(n->fd);
  if (!opens_for_writing(fi->flags) || !journal_.recording()) {
    const int fd = ::open(proc.c_str(), backing_open_flags(fi->flags));
    if (fd < 0) return (void)fuse_reply_err(req, errno);
    fi->fh = reinterpret_cast<std::uint64_t>(new_file_handle(*n, fd, fi->flags, Caller{}, false));
    return (void)fuse_reply_open(req, fi);
  }
  const Caller who = caller(req);
  auto lock = journal_.lock();
  const bool truncates = (fi->flags & O_TRUNC) != 0;
  if (truncates) {
    if (Status st = journal_.preimage(*n, -1, who); !st) {
      lock.unlock();
      return fail_trace(req, st);
    }
  }
  const int fd = ::open(proc.c_str(), backing_open_flags(fi->flags));
  if (fd < 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  FileHandle* h = new_file_handle(*n, fd, fi->flags, who, true);
  Record rec;
  rec.type = RecordType::kOpen;
  rec.node = n->id;
  rec.fh = h->id;
  rec.flags = static_cast<std::uint32_t>(fi->flags);
  Status st = journal_.append(rec, who);
  if (st && truncates) {
    Record trunc;
    trunc.type = RecordType::kTruncate;
    trunc.node = n->id;
    trunc.fh = h->id;
    trunc.length = 0;
    trunc.flags = kTruncateByOpen;
    st = journal_.append(trunc, who);
    if (st) st = drop_privileges_on_write(req, fd, *n, who);
  }
  lock.unlock();
  if (!st) {
    ::close(fd);
    delete h;
    open_files_.fetch_sub(1);
    return fail_trace(req, st);
  }
  fi->fh = reinterpret_cast<std::uint64_t>(h);
  fuse_reply_open(req, fi);
}

void RecordingFs::create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  if (reserved(parent, name)) return (void)fuse_reply_err(req, EEXIST);
  Node* p = node(parent);
  if (p == nullptr) return (void)fuse_reply_err(req, ESTALE);
  spdlog::debug("create {}/{} flags={:#o} mode={:o}", parent, name, fi->flags, mode);
  const Caller who = caller(req);
  auto lock = journal_.lock();
  // Exclusive first: a Create record only when this open made the file.
  int fd = openat(p->fd, name, backing_open_flags(fi->flags) | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  const bool created = fd >= 0;
  Node* n = nullptr;
  FileHandle* h = nullptr;
  Status st;
  struct stat s {};
  if (!created) {
    if (errno != EEXIST || (fi->flags & O_EXCL)) {
      const int err = errno;
      lock.unlock();
      return (void)fuse_reply_err(req, err);
    }
    // The file exists after all (the kernel's negative entry was stale):
    // this is a plain open of an existing file.
    if (fstatat(p->fd, name, &s, AT_SYMLINK_NOFOLLOW) != 0 || is_trace(s)) {
      lock.unlock();
      return (void)fuse_reply_err(req, is_trace(s) ? EACCES : errno);
    }
    n = known_node(*p, name, s, -1, who);
    const bool truncates = (fi->flags & O_TRUNC) != 0;
    if (truncates) st = journal_.preimage_at(*n, p->fd, name, who);
    if (st) {
      fd = openat(p->fd, name, backing_open_flags(fi->flags));
      if (fd < 0) {
        const int err = errno;
        lock.unlock();
        return (void)fuse_reply_err(req, err);
      }
      const bool recorded = journal_.recording() && opens_for_writing(fi->flags);
      h = new_file_handle(*n, fd, fi->flags, who, recorded);
      if (recorded) {
        Record rec;
        rec.type = RecordType::kOpen;
        rec.node = n->id;
        rec.fh = h->id;
        rec.flags = static_cast<std::uint32_t>(fi->flags);
        st = journal_.append(rec, who);
        if (st && truncates) {
          Record trunc;
          trunc.type = RecordType::kTruncate;
          trunc.node = n->id;
          trunc.fh = h->id;
          trunc.flags = kTruncateByOpen;
          st = journal_.append(trunc, who);
        }
      }
    }
  } else {
    set_owner(req, *p, name, fd);
    fstat(fd, &s);
    n = nodes_.add(s.st_dev, s.st_ino, NodeKind::kFile, /*preexisting=*/false);
    h = new_file_handle(*n, fd, fi->flags, who, journal_.recording());
    Record rec;
    rec.type = RecordType::kCreate;
    rec.node = n->id;
    rec.parent = p->id;
    rec.name = name;
    rec.fh = h->id;
    rec.mode = s.st_mode;
    rec.flags = static_cast<std::uint32_t>(fi->flags);
    rec.uid = s.st_uid;
    rec.gid = s.st_gid;
    st = journal_.append(rec, who);
  }
  // The node's O_PATH descriptor, taken while the name surely is this file.
  const int path_fd = st ? openat(p->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC) : -1;
  lock.unlock();
  if (!st || path_fd < 0) {
    const int err = errno;
    if (h != nullptr) {
      ::close(h->fd);
      delete h;
      open_files_.fetch_sub(1);
    }
    if (!st) return fail_trace(req, st);
    return (void)fuse_reply_err(req, err);
  }
  nodes_.ref(n, path_fd);
  fuse_entry_param e;
  fill_entry(e, *n, s);
  fi->fh = reinterpret_cast<std::uint64_t>(h);
  fuse_reply_create(req, &e, fi);
}

void RecordingFs::read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  if (is_output_node(ino)) return (void)fuse_reply_buf(req, nullptr, 0);  // a stream reads as empty
  auto* h = reinterpret_cast<FileHandle*>(fi->fh);
  fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
  buf.buf[0].flags = static_cast<fuse_buf_flags>(FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK);
  buf.buf[0].fd = h->fd;
  buf.buf[0].pos = off;
  fuse_reply_data(req, &buf, FUSE_BUF_NO_SPLICE);
}

const char* write_bytes(fuse_bufvec* bufv, std::size_t size, int& err) {
  // Splice is off, so normally the bytes already are in memory.
  if (bufv->count == 1 && !(bufv->buf[0].flags & FUSE_BUF_IS_FD)) {
    return static_cast<const char*>(bufv->buf[0].mem) + bufv->off;
  }
  thread_local std::vector<char> copy;
  copy.resize(size);
  fuse_bufvec dst = FUSE_BUFVEC_INIT(size);
  dst.buf[0].mem = copy.data();
  const ssize_t got = fuse_buf_copy(&dst, bufv, FUSE_BUF_NO_SPLICE);
  if (got < 0) {
    err = static_cast<int>(-got);
    return nullptr;
  }
  return copy.data();
}

void RecordingFs::write_buf(fuse_req_t req, fuse_ino_t ino, fuse_bufvec* bufv, off_t off, fuse_file_info* fi) {
  if (is_output_node(ino)) return output_write(req, ino, bufv);
  auto* h = reinterpret_cast<FileHandle*>(fi->fh);
  const std::size_t size = fuse_buf_size(bufv);
  spdlog::debug("write {} @{} +{}", ino, off, size);
  int copy_err = 0;
  const char* data = write_bytes(bufv, size, copy_err);
  if (data == nullptr) return (void)fuse_reply_err(req, copy_err);
  auto write_all = [&](std::size_t& written) -> int {
    written = 0;
    while (written < size) {
      const ssize_t n = pwrite(h->fd, data + written, size - written, off + static_cast<off_t>(written));
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      if (n == 0) break;
      written += static_cast<std::size_t>(n);
    }
    return 0;
  };
  std::size_t written = 0;
  if (!journal_.recording()) {
    drop_privileges_on_write(req, h->fd, *h->node, Caller{});
    const int err = write_all(written);
    if (written == 0 && err != 0) return (void)fuse_reply_err(req, err);
    return (void)fuse_reply_write(req, written);
  }
  Caller who = caller(req);
  if (who.pid == 0) who = h->opener;  // writeback of a shared mapping: no caller
  auto lock = journal_.lock();
  if (Status st = journal_.preimage(*h->node, -1, who); !st) {
    lock.unlock();
    return fail_trace(req, st);
  }
  if (Status st = drop_privileges_on_write(req, h->fd, *h->node, who); !st) {
    lock.unlock();
    return fail_trace(req, st);
  }
  const int err = write_all(written);
  if (written == 0 && err != 0) {
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  Record rec;
  rec.type = RecordType::kWrite;
  rec.node = h->node->id;
  rec.fh = h->id;
  rec.offset = static_cast<std::uint64_t>(off);  // the backing descriptor has no O_APPEND
  rec.flags = h->write_flags;
  const Status st = journal_.append_chunked(rec, std::string_view(data, written), who);
  h->synced_write_last = h->write_flags != 0;
  lock.unlock();
  if (!st) return fail_trace(req, st);
  fuse_reply_write(req, written);
}

void RecordingFs::flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (is_output_node(ino)) return (void)fuse_reply_err(req, 0);
  auto* h = reinterpret_cast<FileHandle*>(fi->fh);
  // close() of a duplicate reports delayed write errors of the backing
  // file system, as a close of the program's descriptor would.
  const int rc = ::close(dup(h->fd));
  fuse_reply_err(req, rc == 0 ? 0 : errno);
}

void RecordingFs::release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (is_output_node(ino)) return (void)fuse_reply_err(req, 0);  // no handle, nothing recorded
  auto* h = reinterpret_cast<FileHandle*>(fi->fh);
  Status st;
  if (h->recorded) {
    auto lock = journal_.lock();
    ::close(h->fd);
    Record rec;
    rec.type = RecordType::kRelease;
    rec.node = h->node->id;
    rec.fh = h->id;
    st = journal_.append(rec, h->opener);
  } else {
    ::close(h->fd);
  }
  delete h;
  open_files_.fetch_sub(1);
  if (!st) return fail_trace(req, st);
  fuse_reply_err(req, 0);
}

void RecordingFs::fsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
  if (is_output_node(ino)) return (void)fuse_reply_err(req, 0);  // every write was passed on already
  auto* h = reinterpret_cast<FileHandle*>(fi->fh);
  spdlog::debug("fsync {} datasync={}", ino, datasync);
  if (options_.real_fsync || !journal_.recording()) {
    if ((datasync ? fdatasync(h->fd) : ::fsync(h->fd)) != 0) return (void)fuse_reply_err(req, errno);
  }
  if (!journal_.recording()) return (void)fuse_reply_err(req, 0);
  Caller who = caller(req);
  if (who.pid == 0) who = h->opener;
  auto lock = journal_.lock();
  // O_SYNC / O_DSYNC writes reach us as write + fsync (datasync for O_DSYNC):
  // the Write record already says synced, so that fsync is not recorded.
  const bool kernel_sync_of_write =
      h->synced_write_last && (datasync != 0) == (h->write_flags == kWriteDsynced);
  h->synced_write_last = false;
  if (kernel_sync_of_write) {
    lock.unlock();
    return (void)fuse_reply_err(req, 0);
  }
  Record rec;
  rec.type = datasync ? RecordType::kFdatasync : RecordType::kFsync;
  rec.node = h->node->id;
  rec.fh = h->id;
  const Status st = journal_.append(rec, who);
  lock.unlock();
  if (!st) return fail_trace(req, st);
  fuse_reply_err(req, 0);
}

void RecordingFs::fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
                            fuse_file_info* fi) {
  if (is_output_node(ino)) return (void)fuse_reply_err(req, EOPNOTSUPP);
  auto* h = reinterpret_cast<FileHandle*>(fi->fh);
  spdlog::debug("fallocate {} mode={:#x} @{} +{}", ino, mode, offset, length);
  const Caller who = caller(req);
  auto lock = journal_.lock();
  if (Status st = journal_.preimage(*h->node, -1, who); !st) {
    lock.unlock();
    return fail_trace(req, st);
  }
  if (::fallocate(h->fd, mode, offset, length) != 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  Record rec;
  rec.type = RecordType::kFallocate;
  rec.node = h->node->id;
  rec.fh = h->id;
  rec.offset = static_cast<std::uint64_t>(offset);
  rec.length = static_cast<std::uint64_t>(length);
  rec.flags = static_cast<std::uint32_t>(mode);
  const Status st = journal_.append(rec, who);
  lock.unlock();
  if (!st) return fail_trace(req, st);
  fuse_reply_err(req, 0);
}

void RecordingFs::copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in, fuse_file_info* fi_in,
                                  fuse_ino_t ino_out, off_t off_out, fuse_file_info* fi_out, size_t len,
                                  int flags) {
  // To or from a stream: EXDEV makes the kernel fall back to plain writes.
  if (is_output_node(ino_in) || is_output_node(ino_out)) return (void)fuse_reply_err(req, EXDEV);
  auto* in = reinterpret_cast<FileHandle*>(fi_in->fh);
  auto* out = reinterpret_cast<FileHandle*>(fi_out->fh);
  spdlog::debug("copy_file_range {}@{} -> {}@{} +{}", ino_in, off_in, ino_out, off_out, len);
  const Caller who = caller(req);
  auto lock = journal_.lock();
  if (Status st = journal_.preimage(*out->node, -1, who); !st) {
    lock.unlock();
    return fail_trace(req, st);
  }
  loff_t from = off_in;
  loff_t to = off_out;
  const ssize_t copied = ::copy_file_range(in->fd, &from, out->fd, &to, len, static_cast<unsigned>(flags));
  if (copied < 0) {
    const int err = errno;
    lock.unlock();
    return (void)fuse_reply_err(req, err);
  }
  Status st;
  if (journal_.recording() && copied > 0) {
    // Recorded as the bytes it wrote, read back from the destination.
    const int read_fd = ::open(ProcPath(out->node->fd).c_str(), O_RDONLY | O_CLOEXEC);
    if (read_fd < 0) {
      st = Status::io_error(fmt::format("cannot read back copy_file_range destination: {}", std::strerror(errno)));
    }
    thread_local std::vector<char> buf;
    std::uint64_t done = 0;
    while (st && done < static_cast<std::uint64_t>(copied)) {
      const std::size_t want = std::min<std::uint64_t>(kMaxDataChunk, static_cast<std::uint64_t>(copied) - done);
      buf.resize(want);
      const ssize_t got = pread(read_fd, buf.data(), want, off_out + static_cast<off_t>(done));
      if (got <= 0) {
        st = Status::io_error(fmt::format("short read back of copy_file_range destination at {}", off_out + done));
        break;
      }
      Record rec;
      rec.type = RecordType::kWrite;
      rec.node = out->node->id;
      rec.fh = out->id;
      rec.offset = static_cast<std::uint64_t>(off_out) + done;
      rec.flags = out->write_flags;
      rec.data = std::string_view(buf.data(), static_cast<std::size_t>(got));
      st = journal_.append(rec, who);
      done += static_cast<std::uint64_t>(got);
    }
    if (read_fd >= 0) ::close(read_fd);
  }
  lock.unlock();
  if (!st) return fail_trace(req, st);
  fuse_reply_write(req, static_cast<std::size_t>(copied));
}

void RecordingFs::lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, fuse_file_info* fi) {
  if (is_output_node(ino)) return (void)fuse_reply_err(req, ENXIO);  // SEEK_DATA/SEEK_HOLE: reads as empty
  auto* h = reinterpret_cast<FileHandle*>(fi->fh);
  const off_t res = ::lseek(h->fd, off, whence);
  if (res < 0) return (void)fuse_reply_err(req, errno);
  fuse_reply_lseek(req, res);
}

}  // namespace crashfs::fusefs
