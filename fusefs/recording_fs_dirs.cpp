// RecordingFs: directories (opendir, readdir, readdirplus, releasedir, fsyncdir).
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <spdlog/spdlog.h>

#include "fusefs/recording_fs.h"
#include "fusefs/recording_fs_internal.h"

namespace crashfs::fusefs {

void RecordingFs::opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Node* n = node(ino);
  if (n == nullptr) return (void)fuse_reply_err(req, ESTALE);
  const int fd = openat(n->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return (void)fuse_reply_err(req, errno);
  DIR* dp = fdopendir(fd);
  if (dp == nullptr) {
    const int err = errno;
    close(fd);
    return (void)fuse_reply_err(req, err);
  }
  auto* d = new DirHandle;
  d->id = next_fh_.fetch_add(1, std::memory_order_relaxed);
  d->dp = dp;
  d->node = n;
  fi->fh = reinterpret_cast<std::uint64_t>(d);
  fuse_reply_open(req, fi);
}

namespace {

bool is_dot_or_dotdot(const char* name) {
  return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

}  // namespace

void RecordingFs::readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi, bool plus) {
  auto* d = reinterpret_cast<DirHandle*>(fi->fh);
  std::unique_ptr<char[]> buf(new char[size]);
  char* p = buf.get();
  std::size_t rem = size;
  int err = 0;
  if (off != d->offset) {
    seekdir(d->dp, off);
    d->entry = nullptr;
    d->offset = off;
  }
  const bool hide_trace = writer_ != nullptr && d->node->dev == writer_->dev();
  // A backing file named like an output node is shadowed by it; neither is listed.
  const bool hide_output = d->node->id == kRootNode && output_.enabled();
  const Caller who = plus ? caller(req) : Caller{};
  for (;;) {
    if (d->entry == nullptr) {
      errno = 0;
      d->entry = ::readdir(d->dp);
      if (d->entry == nullptr) {
        err = errno;
        break;
      }
    }
    const dirent* ent = d->entry;
    const off_t next_off = ent->d_off;
    if ((hide_trace && ent->d_ino == writer_->ino()) || (hide_output && output_.stream_named(ent->d_name) != 0)) {
      d->entry = nullptr;
      d->offset = next_off;
      continue;
    }
    std::size_t entsize;
    if (plus) {
      fuse_entry_param e;
      fuse_ino_t referenced = 0;
      if (is_dot_or_dotdot(ent->d_name)) {
        std::memset(&e, 0, sizeof e);
        e.attr.st_ino = ent->d_ino;
        e.attr.st_mode = static_cast<mode_t>(ent->d_type) << 12;
      } else {
        err = do_lookup(*d->node, ent->d_name, e, who);
        if (err == ENOENT) {
          // Gone since readdir saw it (or the hidden trace): skip.
          err = 0;
          d->entry = nullptr;
          d->offset = next_off;
          continue;
        }
        if (err != 0) break;
        referenced = e.ino;
      }
      entsize = fuse_add_direntry_plus(req, p, rem, ent->d_name, &e, next_off);
      if (entsize > rem) {
        if (referenced != 0) forget(referenced, 1);  // the kernel never saw this entry
        break;
      }
    } else {
      struct stat st {};
      st.st_ino = ent->d_ino;
      st.st_mode = static_cast<mode_t>(ent->d_type) << 12;
      entsize = fuse_add_direntry(req, p, rem, ent->d_name, &st, next_off);
      if (entsize > rem) break;
    }
    p += entsize;
    rem -= entsize;
    d->entry = nullptr;
    d->offset = next_off;
  }
  // An error after some entries were filled cannot be reported without
  // breaking the lookup counts of those entries: return them instead.
  if (err != 0 && rem == size) return (void)fuse_reply_err(req, err);
  fuse_reply_buf(req, buf.get(), size - rem);
}

void RecordingFs::releasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto* d = reinterpret_cast<DirHandle*>(fi->fh);
  closedir(d->dp);
  delete d;
  fuse_reply_err(req, 0);
}

void RecordingFs::fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
  auto* d = reinterpret_cast<DirHandle*>(fi->fh);
  spdlog::debug("fsyncdir {} datasync={}", ino, datasync);
  if (options_.real_fsync || !journal_.recording()) {
    const int fd = dirfd(d->dp);
    if ((datasync ? fdatasync(fd) : ::fsync(fd)) != 0) return (void)fuse_reply_err(req, errno);
  }
  if (!journal_.recording()) return (void)fuse_reply_err(req, 0);
  const Caller who = caller(req);
  auto lock = journal_.lock();
  Record rec;
  rec.type = RecordType::kFsyncdir;
  rec.node = d->node->id;
  rec.fh = d->id;
  rec.flags = datasync ? kFsyncdirData : 0;
  const Status st = journal_.append(rec, who);
  lock.unlock();
  if (!st) return fail_trace(req, st);
  fuse_reply_err(req, 0);
}

}  // namespace crashfs::fusefs
