// The fuse_lowlevel_ops table of RecordingFs: C callbacks that forward to
// the methods and keep C++ exceptions from crossing into libfuse.  A handler
// that throws has not replied yet (handlers reply last), so the guard
// replies with an errno.
#include <cerrno>
#include <exception>
#include <new>

#include <spdlog/spdlog.h>

#include "fusefs/recording_fs.h"

namespace crashfs::fusefs {
namespace {

RecordingFs& fs_of(fuse_req_t req) { return *static_cast<RecordingFs*>(fuse_req_userdata(req)); }

template <typename Fn>
void guarded(fuse_req_t req, const char* op, Fn&& fn) {
  try {
    fn(fs_of(req));
  } catch (const std::bad_alloc&) {
    spdlog::error("crashfs: {}: out of memory", op);
    fuse_reply_err(req, ENOMEM);
  } catch (const std::exception& e) {
    spdlog::error("crashfs: {}: {}", op, e.what());
    fuse_reply_err(req, EIO);
  } catch (...) {
    spdlog::error("crashfs: {}: unknown exception", op);
    fuse_reply_err(req, EIO);
  }
}

// forget has no reply on error either: it must never fail.
void forget_guarded(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  try {
    fs_of(req).forget(ino, nlookup);
  } catch (...) {
    spdlog::error("crashfs: forget: unexpected exception");
  }
}

fuse_lowlevel_ops make_operations() {
  fuse_lowlevel_ops ops{};
  ops.init = [](void* userdata, fuse_conn_info* conn) { static_cast<RecordingFs*>(userdata)->init(conn); };
  ops.lookup = [](fuse_req_t req, fuse_ino_t parent, const char* name) {
    guarded(req, "lookup", [&](RecordingFs& fs) { fs.lookup(req, parent, name); });
  };
  ops.forget = [](fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
    forget_guarded(req, ino, nlookup);
    fuse_reply_none(req);
  };
  ops.forget_multi = [](fuse_req_t req, size_t count, fuse_forget_data* forgets) {
    for (size_t i = 0; i < count; ++i) forget_guarded(req, forgets[i].ino, forgets[i].nlookup);
    fuse_reply_none(req);
  };
  ops.getattr = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    guarded(req, "getattr", [&](RecordingFs& fs) { fs.getattr(req, ino, fi); });
  };
  ops.setattr = [](fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
    guarded(req, "setattr", [&](RecordingFs& fs) { fs.setattr(req, ino, attr, to_set, fi); });
  };
  ops.readlink = [](fuse_req_t req, fuse_ino_t ino) {
    guarded(req, "readlink", [&](RecordingFs& fs) { fs.readlink(req, ino); });
  };
  ops.mknod = [](fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
    guarded(req, "mknod", [&](RecordingFs& fs) { fs.mknod(req, parent, name, mode, rdev); });
  };
  ops.mkdir = [](fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
    guarded(req, "mkdir", [&](RecordingFs& fs) { fs.mkdir(req, parent, name, mode); });
  };
  ops.unlink = [](fuse_req_t req, fuse_ino_t parent, const char* name) {
    guarded(req, "unlink", [&](RecordingFs& fs) { fs.unlink(req, parent, name); });
  };
  ops.rmdir = [](fuse_req_t req, fuse_ino_t parent, const char* name) {
    guarded(req, "rmdir", [&](RecordingFs& fs) { fs.rmdir(req, parent, name); });
  };
  ops.symlink = [](fuse_req_t req, const char* target, fuse_ino_t parent, const char* name) {
    guarded(req, "symlink", [&](RecordingFs& fs) { fs.symlink(req, target, parent, name); });
  };
  ops.rename = [](fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char* newname,
                  unsigned int flags) {
    guarded(req, "rename", [&](RecordingFs& fs) { fs.rename(req, parent, name, newparent, newname, flags); });
  };
  ops.link = [](fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
    guarded(req, "link", [&](RecordingFs& fs) { fs.link(req, ino, newparent, newname); });
  };
  ops.open = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    guarded(req, "open", [&](RecordingFs& fs) { fs.open(req, ino, fi); });
  };
  ops.read = [](fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
    guarded(req, "read", [&](RecordingFs& fs) { fs.read(req, ino, size, off, fi); });
  };
  ops.write_buf = [](fuse_req_t req, fuse_ino_t ino, fuse_bufvec* bufv, off_t off, fuse_file_info* fi) {
    guarded(req, "write", [&](RecordingFs& fs) { fs.write_buf(req, ino, bufv, off, fi); });
  };
  ops.flush = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    guarded(req, "flush", [&](RecordingFs& fs) { fs.flush(req, ino, fi); });
  };
  ops.release = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    guarded(req, "release", [&](RecordingFs& fs) { fs.release(req, ino, fi); });
  };
  ops.fsync = [](fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
    guarded(req, "fsync", [&](RecordingFs& fs) { fs.fsync(req, ino, datasync, fi); });
  };
  ops.opendir = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    guarded(req, "opendir", [&](RecordingFs& fs) { fs.opendir(req, ino, fi); });
  };
  ops.readdir = [](fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
    guarded(req, "readdir", [&](RecordingFs& fs) { fs.readdir(req, ino, size, off, fi, false); });
  };
  ops.readdirplus = [](fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
    guarded(req, "readdirplus", [&](RecordingFs& fs) { fs.readdir(req, ino, size, off, fi, true); });
  };
  ops.releasedir = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    guarded(req, "releasedir", [&](RecordingFs& fs) { fs.releasedir(req, ino, fi); });
  };
  ops.fsyncdir = [](fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
    guarded(req, "fsyncdir", [&](RecordingFs& fs) { fs.fsyncdir(req, ino, datasync, fi); });
  };
  ops.statfs = [](fuse_req_t req, fuse_ino_t ino) {
    guarded(req, "statfs", [&](RecordingFs& fs) { fs.statfs(req, ino); });
  };
  ops.setxattr = [](fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size, int flags) {
    guarded(req, "setxattr", [&](RecordingFs& fs) { fs.setxattr(req, ino, name, value, size, flags); });
  };
  ops.getxattr = [](fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
    guarded(req, "getxattr", [&](RecordingFs& fs) { fs.getxattr(req, ino, name, size); });
  };
  ops.listxattr = [](fuse_req_t req, fuse_ino_t ino, size_t size) {
    guarded(req, "listxattr", [&](RecordingFs& fs) { fs.listxattr(req, ino, size); });
  };
  ops.removexattr = [](fuse_req_t req, fuse_ino_t ino, const char* name) {
    guarded(req, "removexattr", [&](RecordingFs& fs) { fs.removexattr(req, ino, name); });
  };
  ops.create = [](fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
    guarded(req, "create", [&](RecordingFs& fs) { fs.create(req, parent, name, mode, fi); });
  };
  ops.fallocate = [](fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length, fuse_file_info* fi) {
    guarded(req, "fallocate", [&](RecordingFs& fs) { fs.fallocate(req, ino, mode, offset, length, fi); });
  };
  ops.copy_file_range = [](fuse_req_t req, fuse_ino_t ino_in, off_t off_in, fuse_file_info* fi_in,
                           fuse_ino_t ino_out, off_t off_out, fuse_file_info* fi_out, size_t len, int flags) {
    guarded(req, "copy_file_range", [&](RecordingFs& fs) {
      fs.copy_file_range(req, ino_in, off_in, fi_in, ino_out, off_out, fi_out, len, flags);
    });
  };
  ops.lseek = [](fuse_req_t req, fuse_ino_t ino, off_t off, int whence, fuse_file_info* fi) {
    guarded(req, "lseek", [&](RecordingFs& fs) { fs.lseek(req, ino, off, whence, fi); });
  };
  // No getlk/setlk/flock: the kernel keeps locks itself (see recording_fs.h).
  return ops;
}

}  // namespace

const fuse_lowlevel_ops& RecordingFs::operations() {
  static const fuse_lowlevel_ops ops = make_operations();
  return ops;
}

}  // namespace crashfs::fusefs
