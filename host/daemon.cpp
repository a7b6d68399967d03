#include "host/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "host/exit_codes.h"
#include "host/mount_table.h"
#include "host/record_child.h"

namespace crashfs::host {
namespace {

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set, sig);
  return set;
}

// The child's setup: own session, stdin from /dev/null, output to the log.
void detach(const std::string& log) {
  setsid();
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  const int out_fd = log_fd >= 0 ? log_fd : null_fd;
  if (out_fd >= 0) {
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(out_fd, STDERR_FILENO);
  }
  auto logger = spdlog::stderr_color_mt("crashfs-daemon");
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  // Signals are taken synchronously by serve_until_stopped(); SIGUSR1
  // belongs to the request loop (fusefs/request_loop.h).
  sigset_t blocked = stop_signals();
  sigaddset(&blocked, SIGUSR1);
  sigaddset(&blocked, SIGPIPE);
  sigprocmask(SIG_BLOCK, &blocked, nullptr);
}

}  // namespace

void DaemonChannel::ready() {
  write_all(fd_, fmt::format("ok {}\n", getpid()));
  ::close(fd_);
  fd_ = -1;
}

void DaemonChannel::fail(const MountError& e) {
  spdlog::error("{}", e.message);
  if (fd_ >= 0) write_all(fd_, fmt::format("error {} {}", e.code, e.message));
  _exit(e.code == 0 ? kExitHarness : e.code);
}

int start_daemon(const std::string& name, const std::string& log, const std::function<int(DaemonChannel&)>& body) {
  ensure_standard_fds();
  std::fflush(stdout);
  std::fflush(stderr);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    fmt::print(stderr, "{}: cannot create a pipe: {}\n", name, std::strerror(errno));
    return kExitHarness;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    fmt::print(stderr, "{}: cannot fork the daemon: {}\n", name, std::strerror(errno));
    return kExitHarness;
  }
  if (pid == 0) {
    ::close(pipe_fds[0]);
    detach(log);
    DaemonChannel channel(pipe_fds[1]);
    const int code = body(channel);
    spdlog::default_logger()->flush();
    _exit(code);
  }
  ::close(pipe_fds[1]);
  const std::string answer = read_all(pipe_fds[0]);
  ::close(pipe_fds[0]);
  if (answer.starts_with("ok ")) {
    fmt::print("{}\n", pid);
    return kExitOk;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (answer.starts_with("error ")) {
    const auto space = answer.find(' ', 6);
    const int code = std::atoi(answer.substr(6, space - 6).c_str());
    fmt::print(stderr, "{}: {}\n", name, space == std::string::npos ? answer : answer.substr(space + 1));
    return code == 0 ? kExitHarness : code;
  }
  fmt::print(stderr, "{}: the daemon died before its mount was ready ({}); see {}\n", name,
             WIFSIGNALED(status) ? fmt::format("signal {}", WTERMSIG(status))
                                 : fmt::format("exit {}", WEXITSTATUS(status)),
             log);
  return kExitHarness;
}

void serve_until_stopped(const std::string& name, const std::string& dir, const std::function<void()>& tick) {
  const sigset_t stop = stop_signals();
  for (int ticks = 1;; ++ticks) {
    timespec timeout{0, 200'000'000};
    siginfo_t info{};
    const int sig = sigtimedwait(&stop, &info, &timeout);
    if (tick) tick();
    if (sig > 0) {
      spdlog::info("{}: {} received: unmounting {}", name, strsignal(sig), dir);
      return;
    }
    // Someone unmounted it behind our back (umount, fusermount3 -u).
    if (ticks % 5 == 0 && crashfs_mounts_at(dir) == 0) {
      spdlog::warn("{}: {} was unmounted by someone else", name, dir);
      return;
    }
  }
}

}  // namespace crashfs::host
