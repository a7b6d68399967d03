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
// Output capture: before exec the child opens each StdioCapture name
// (relative to DIR, so on the mount; O_WRONLY|O_APPEND) and dup2()s it onto
// the target descriptor, so CMD and everything it starts write their stdout
// and stderr through the mount (fusefs/output_nodes.h).  Precondition:
// descriptors 0, 1 and 2 are open in crashfs (ensure_standard_fds()).
//
// start() reports an exec failure (errno from the child) so the caller can
// say "command not found" and exit 127 like a shell, and a capture failure.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace crashfs::host {

struct StdioCapture {
  std::string name;  // relative to DIR
  int target_fd = -1;
};

struct ChildStart {
  int exec_error = 0;     // errno of a failed chdir or exec, else 0
  int capture_error = 0;  // errno of a failed capture open, else 0
  std::string capture_name;  // the name that failed
};

class RecordChild {
 public:
  RecordChild() = default;
  ~RecordChild();
  RecordChild(const RecordChild&) = delete;
  RecordChild& operator=(const RecordChild&) = delete;

  // `exec_mask`: the signal mask the command starts with.
  Status spawn(const std::vector<std::string>& argv, const std::string& dir, const sigset_t& exec_mask,
               std::vector<StdioCapture> capture = {});
  // Lets the child capture its output and exec; says what failed, if anything.
  ChildStart start();
  // Makes the child exit without running the command (mount failed).
  void abandon();

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int go_fd_ = -1;        // write end: one byte = go, EOF = give up
  int exec_err_fd_ = -1;  // read end: {stage, errno} of a failure, EOF = exec succeeded
  std::vector<StdioCapture> capture_;
};

// Opens /dev/null onto whichever of descriptors 0, 1 and 2 is closed, so no
// file crashfs opens later takes their place (the workload would write into
// it, and output capture would dup2 over it).
void ensure_standard_fds();

// Finds CMD the way the child's execvp will (PATH; relative paths against
// DIR, the child's working directory).  False when it is not executable.
bool command_exists(const std::string& cmd, const std::string& dir);

}  // namespace crashfs::host
