// The `crashfs view` daemon: one crash state of a trace mounted read-only
// over a directory (fusefs/state_fs.h), until `crashfs unmount DIR`.
//
// The state is built in the calling process (so a bad trace, state id or
// base is reported before anything is mounted, exit 2 or 3), then
// host/daemon.h forks the daemon, which mounts, checks that the mount
// answers a stat, writes the mount state file (kind "view") and serves.
#pragma once

#include <string>

namespace crashfs::host {

struct ViewOptions {
  std::string trace;
  std::string state;  // state id
  std::string base;   // --base (default: the recorded directory)
  std::string dir;    // the mount point
  std::string log;    // default: next to the state file
};

int start_view_daemon(ViewOptions options);

}  // namespace crashfs::host
