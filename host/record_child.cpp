#include "host/record_child.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace crashfs::host {
namespace {

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string against(const std::string& dir, const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  return dir + "/" + path;
}

}  // namespace

bool command_exists(const std::string& cmd, const std::string& dir) {
  if (cmd.empty()) return false;
  if (cmd.find('/') != std::string::npos) return is_executable_file(against(dir, cmd));
  const char* path_env = std::getenv("PATH");
  const std::string path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  for (;;) {
    const std::size_t colon = path.find(':', start);
    std::string entry = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (entry.empty()) entry = ".";
    if (is_executable_file(against(dir, entry) + "/" + cmd)) return true;
    if (colon == std::string::npos) return false;
    start = colon + 1;
  }
}

RecordChild::~RecordChild() {
  if (go_fd_ >= 0) close(go_fd_);
  if (exec_err_fd_ >= 0) close(exec_err_fd_);
}

Status RecordChild::spawn(const std::vector<std::string>& argv, const std::string& dir, const sigset_t& exec_mask) {
  int go[2];
  int err[2];
  if (pipe2(go, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    return Status::io_error(fmt::format("cannot create pipes for the workload: {}", std::strerror(errno)));
  }
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) return Status::io_error(fmt::format("cannot fork the workload: {}", std::strerror(errno)));
  if (pid == 0) {
    close(go[1]);
    close(err[0]);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(2);  // crashfs already died
    char byte = 0;
    ssize_t n;
    do {
      n = read(go[0], &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) _exit(2);  // crashfs gave up (mount failed)
    int e = 0;
    if (chdir(dir.c_str()) != 0) {
      e = errno;
    } else {
      sigprocmask(SIG_SETMASK, &exec_mask, nullptr);
      execvp(args[0], args.data());
      e = errno;
    }
    (void)!write(err[1], &e, sizeof e);
    _exit(e == ENOENT ? 127 : 126);
  }
  setpgid(pid, pid);  // also here: no race with a signal sent right after spawn
  close(go[0]);
  close(err[1]);
  pid_ = pid;
  go_fd_ = go[1];
  exec_err_fd_ = err[0];
  return Status::ok();
}

int RecordChild::start() {
  const char byte = 'g';
  (void)!write(go_fd_, &byte, 1);
  close(go_fd_);
  go_fd_ = -1;
  int e = 0;
  ssize_t n;
  do {
    n = read(exec_err_fd_, &e, sizeof e);
  } while (n < 0 && errno == EINTR);
  close(exec_err_fd_);
  exec_err_fd_ = -1;
  return n == static_cast<ssize_t>(sizeof e) ? e : 0;
}

void RecordChild::abandon() {
  if (go_fd_ >= 0) {
    close(go_fd_);
    go_fd_ = -1;
  }
}

}  // namespace crashfs::host
