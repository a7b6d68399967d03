// Running a mount in the background (`crashfs mount`, `crashfs view`).
//
// start_daemon() forks.  The child leaves the caller's session (setsid),
// takes stdin from /dev/null and logs to `log`, blocks the termination
// signals and runs `body`, which mounts and then calls channel.ready() once
// the mount answers requests (or channel.fail() on an error).  Only then
// does the parent print the child's pid on stdout and return kExitOk, so the
// next CI step finds the mount serving; a failure before readiness comes
// back through the pipe, is printed by the parent and becomes its exit code.
//
// serve_until_stopped() is the daemon's main loop: it returns on SIGTERM,
// SIGINT, SIGHUP or SIGQUIT, or when the mount on `dir` disappeared
// (someone else unmounted it), calling `tick` every 200 ms meanwhile.
#pragma once

#include <functional>
#include <string>

#include "host/recording_mount.h"

namespace crashfs::host {

class DaemonChannel {
 public:
  explicit DaemonChannel(int fd) : fd_(fd) {}
  // The mount serves: the parent may print the pid and exit.
  void ready();
  // Tells the parent why the daemon gives up, and exits with e.code.
  [[noreturn]] void fail(const MountError& e);

 private:
  int fd_;
};

// `name` prefixes messages ("crashfs mount").  `body` returns the daemon's
// exit code after serving.
int start_daemon(const std::string& name, const std::string& log, const std::function<int(DaemonChannel&)>& body);

void serve_until_stopped(const std::string& name, const std::string& dir, const std::function<void()>& tick);

}  // namespace crashfs::host
