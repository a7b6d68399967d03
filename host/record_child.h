// The workload process of `crashfs record`.
//
// spawn() forks the child before any FUSE thread exists (fork in a
// multithreaded process is fragile).  The child puts itself in its own
// process group (so crashfs can signal the workload and everything it
// started), asks to be killed if crashfs dies (its file system would be
// gone), and waits until start() says the mount is ready; then it chdir()s
// into DIR (now the mount, so its cwd is on it) and execs CMD with the
// signal mask crashfs had before it blocked signals.
//
// start() reports an exec failure (errno from the child) so the caller can
// say "command not found" and exit 127 like a shell.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace crashfs::host {

class RecordChild {
 public:
  RecordChild() = default;
  ~RecordChild();
  RecordChild(const RecordChild&) = delete;
  RecordChild& operator=(const RecordChild&) = delete;

  // `exec_mask`: the signal mask the command starts with.
  Status spawn(const std::vector<std::string>& argv, const std::string& dir, const sigset_t& exec_mask);
  // Lets the child exec.  Returns 0 when the exec succeeded, else its errno.
  int start();
  // Makes the child exit without running the command (mount failed).
  void abandon();

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int go_fd_ = -1;        // write end: one byte = go, EOF = give up
  int exec_err_fd_ = -1;  // read end: errno of a failed exec, EOF = exec succeeded
};

// Finds CMD the way the child's execvp will (PATH; relative paths against
// DIR, the child's working directory).  False when it is not executable.
bool command_exists(const std::string& cmd, const std::string& dir);

}  // namespace crashfs::host
