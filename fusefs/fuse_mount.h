// FuseMount: one mounted, served RecordingFs.
//
// mount() creates the libfuse session and mounts it over `dir` with
// default_permissions, allow_other and auto_unmount: auto_unmount keeps a
// fusermount3 helper that lazily unmounts as soon as the FUSE descriptor
// closes, so even a kill -9 of crashfs leaves no mount behind.  serve()
// starts the request loop (request_loop.h).  stop()
// (also run by the destructor) ends the loop, then lazily unmounts and
// destroys the session; processes still inside the mount then get ENOTCONN
// instead of hanging.
//
// The process should keep SIGUSR1 blocked outside the loop's threads: the
// loop uses it to interrupt its workers.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "fusefs/fuse_api.h"
#include "fusefs/request_loop.h"

struct fuse_session;

namespace crashfs::fusefs {

class RecordingFs;

class FuseMount {
 public:
  ~FuseMount();
  FuseMount(const FuseMount&) = delete;
  FuseMount& operator=(const FuseMount&) = delete;

  // Mounts `fs` over `dir`.  `fs` must outlive the FuseMount.
  static Status mount(RecordingFs& fs, const std::string& dir, std::unique_ptr<FuseMount>& out);
  // Mounts another file system (`ops` with `userdata`, which must outlive
  // the FuseMount) over `dir` with `options` ("-o" list) added to
  // fsname=crashfs,subtype=crashfs (so `crashfs unmount` knows it), served
  // by `threads` workers.
  static Status mount_ops(const fuse_lowlevel_ops& ops, void* userdata, const std::string& dir,
                          const std::string& options, int threads, std::unique_ptr<FuseMount>& out);

  // Starts serving requests (returns at once).
  void serve();
  // Stops serving and unmounts; idempotent.
  void stop();

 private:
  FuseMount() = default;

  fuse_session* session_ = nullptr;
  int threads_ = 8;
  std::unique_ptr<RequestLoop> loop_;
  bool mounted_ = false;
};

}  // namespace crashfs::fusefs
