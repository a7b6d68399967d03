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

void ensure_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int null_fd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (null_fd >= 0 && null_fd != fd) {
      dup2(null_fd, fd);
      close(null_fd);
    }
  }
}

Status RecordChild::spawn(const std::vector<std::string>& argv, const std::string& dir, const sigset_t& exec_mask,
                          std::vector<StdioCapture> capture) {
  capture_ = std::move(capture);
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
    // report = {stage, errno}: stage -1 is chdir/exec, i >= 0 capture i.
    int report[2] = {-1, 0};
    if (chdir(dir.c_str()) != 0) {
      report[1] = errno;
    } else {
      for (std::size_t i = 0; i < capture_.size() && report[1] == 0; ++i) {
        // 0, 1 and 2 are open (ensure_standard_fds), so fd > 2 and the
        // dup2 replaces only its target.
        const int fd = open(capture_[i].name.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0 || dup2(fd, capture_[i].target_fd) < 0) {
          report[0] = static_cast<int>(i);
          report[1] = errno;
        }
        if (fd >= 0) close(fd);
      }
      if (report[1] == 0) {
        sigprocmask(SIG_SETMASK, &exec_mask, nullptr);
        execvp(args[0], args.data());
        report[1] = errno;
      }
    }
    (void)!write(err[1], report, sizeof report);
    _exit(report[0] < 0 && report[1] == ENOENT ? 127 : 126);
  }
  setpgid(pid, pid);  // also here: no race with a signal sent right after spawn
  close(go[0]);
  close(err[1]);
  pid_ = pid;
  go_fd_ = go[1];
  exec_err_fd_ = err[0];
  return Status::ok();
}

ChildStart RecordChild::start() {
  const char byte = 'g';
  (void)!write(go_fd_, &byte, 1);
  close(go_fd_);
  go_fd_ = -1;
  int report[2] = {-1, 0};
  ssize_t n;
  do {
    n = read(exec_err_fd_, report, sizeof report);
  } while (n < 0 && errno == EINTR);
  close(exec_err_fd_);
  exec_err_fd_ = -1;
  ChildStart result;
  if (n != static_cast<ssize_t>(sizeof report)) return result;  // EOF: the exec succeeded
  if (report[0] >= 0 && static_cast<std::size_t>(report[0]) < capture_.size()) {
    result.capture_error = report[1];
    result.capture_name = capture_[static_cast<std::size_t>(report[0])].name;
  } else {
    result.exec_error = report[1];
  }
  return result;
}

void RecordChild::abandon() {
  if (go_fd_ >= 0) {
    close(go_fd_);
    go_fd_ = -1;
  }
}

}  // namespace crashfs::host
