#include "fusefs/fuse_mount.h"

#include <unistd.h>

#include <cstdlib>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "fusefs/killpriv_io.h"
#include "fusefs/recording_fs.h"

namespace crashfs::fusefs {
namespace {

// Workers: enough for parallel reads of several processes; mutations are
// serialized by the Journal anyway.
constexpr int kWorkerThreads = 8;

}  // namespace

FuseMount::~FuseMount() { stop(); }

Status FuseMount::mount(RecordingFs& fs, const std::string& dir, std::unique_ptr<FuseMount>& out) {
  // As root, allow_other lets a workload that drops to another user (setpriv,
  // su) use the mount, with the kernel checking permissions
  // (default_permissions).  Without root, fusermount3 refuses allow_other
  // unless /etc/fuse.conf says user_allow_other, and it is not needed: the
  // workload runs as crashfs's own user.
  if (Status st = mount_ops(RecordingFs::operations(), &fs, dir, "", kWorkerThreads, out); !st) {
    return Status::io_error(fmt::format(
        "cannot mount the recording file system on {} (see the fusermount3 message above; "
        "a stale mount there is cleared by `crashfs unmount {}`)",
        dir, dir));
  }
  if (!request_killpriv_v2(out->session_)) {
    spdlog::warn("crashfs: cannot install the FUSE I/O hook; every write will cost an extra GETXATTR request");
  }
  return Status::ok();
}

Status FuseMount::mount_ops(const fuse_lowlevel_ops& ops, void* userdata, const std::string& dir,
                            const std::string& extra, int threads, std::unique_ptr<FuseMount>& out) {
  std::unique_ptr<FuseMount> m(new FuseMount);
  m->threads_ = threads;
  std::string options = "fsname=crashfs,subtype=crashfs,default_permissions,auto_unmount";
  if (geteuid() == 0) options += ",allow_other";
  if (!extra.empty()) options += "," + extra;
  std::vector<std::string> argv_storage = {"crashfs", "-o", options};
  // CRASHFS_FUSE_DEBUG=1: libfuse prints every request and reply (diagnosis).
  if (const char* debug = std::getenv("CRASHFS_FUSE_DEBUG"); debug != nullptr && *debug == '1') {
    argv_storage.push_back("-d");
  }
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  m->session_ = fuse_session_new(&args, &ops, sizeof ops, userdata);
  fuse_opt_free_args(&args);
  if (m->session_ == nullptr) return Status::io_error("cannot create the FUSE session (see the libfuse message above)");
  if (fuse_session_mount(m->session_, dir.c_str()) != 0) {
    fuse_session_destroy(m->session_);
    m->session_ = nullptr;
    return Status::io_error(fmt::format("cannot mount on {} (see the fusermount3 message above; a stale mount there "
                                        "is cleared by `crashfs unmount {}`)",
                                        dir, dir));
  }
  m->mounted_ = true;
  out = std::move(m);
  return Status::ok();
}

void FuseMount::serve() {
  loop_ = std::make_unique<RequestLoop>(session_, threads_);
  loop_->start();
}

void FuseMount::stop() {
  if (session_ == nullptr) return;
  if (loop_) {
    loop_->stop();
    loop_.reset();
  }
  if (mounted_) {
    fuse_session_unmount(session_);  // lazy: never blocks on a busy mount
    mounted_ = false;
  }
  fuse_session_destroy(session_);
  session_ = nullptr;
}

}  // namespace crashfs::fusefs
