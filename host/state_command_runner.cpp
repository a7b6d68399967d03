#include "host/state_command_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/image_view.h"
#include "host/child_groups.h"
#include "host/replay_to_disk.h"

extern char** environ;

namespace crashfs::host {
namespace {

Status run_in(const std::string& dir, const std::string& command, std::string_view state_id,
              std::chrono::seconds timeout, bool keep_stdout, CommandOutcome& result) {
  int out_fds[2], err_fds[2];
  if (pipe2(out_fds, O_CLOEXEC) != 0) return Status::io_error(fmt::format("pipe: {}", std::strerror(errno)));
  if (pipe2(err_fds, O_CLOEXEC) != 0) {
    const int err = errno;
    close(out_fds[0]);
    close(out_fds[1]);
    return Status::io_error(fmt::format("pipe: {}", std::strerror(err)));
  }
  // The child's environment, built here: between fork() and exec the
  // child only makes async-signal-safe calls (other threads may be running
  // commands at the same time).
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view var(*e);
    if (var.starts_with("CRASHFS_STATE=") || var.starts_with("CRASHFS_STATE_ID=")) continue;
    env_strings.emplace_back(var);
  }
  env_strings.push_back("CRASHFS_STATE=" + dir);
  env_strings.push_back("CRASHFS_STATE_ID=" + std::string(state_id));
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    for (int fd : {out_fds[0], out_fds[1], err_fds[0], err_fds[1]}) close(fd);
    return Status::io_error(fmt::format("fork: {}", std::strerror(err)));
  }
  if (pid == 0) {
    setpgid(0, 0);
    dup2(out_fds[1], 1);
    dup2(err_fds[1], 2);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    if (chdir(dir.c_str()) != 0) _exit(126);
    execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
    _exit(127);
  }
  // The child's own group does not get crashfs's SIGINT/SIGTERM: kill it
  // when crashfs is stopped (child_groups.h).  setpgid here too, so the
  // group exists before it is registered.
  setpgid(pid, pid);
  const ChildGroup stopped_with_crashfs(pid);
  close(out_fds[1]);
  close(err_fds[1]);
  result = CommandOutcome{};
  Status st = Status::ok();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  pollfd fds[2] = {{out_fds[0], POLLIN, 0}, {err_fds[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    const int r = poll(fds, 2, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    for (pollfd& p : fds) {
      if (p.fd < 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = read(p.fd, buf, sizeof buf);
      if (n <= 0) {
        p.fd = -1;
        --open_fds;
        continue;
      }
      const std::string_view got(buf, static_cast<std::size_t>(n));
      result.output.append(got);
      if (result.output.size() > 4096) result.output.erase(0, result.output.size() - 2048);
      if (keep_stdout && &p == &fds[0] && st) {
        if (result.stdout_text.size() + got.size() > kMaxCommandStdout) {
          st = Status::invalid_argument(fmt::format("`{}` wrote more than {} MiB to stdout on one state: make its output "
                                                    "smaller (its stdout is the state's view)",
                                                    command, kMaxCommandStdout >> 20));
          result.stdout_text.clear();
        } else {
          result.stdout_text.append(got);
        }
      }
    }
  }
  close(out_fds[0]);
  close(err_fds[0]);
  if (result.timed_out || !st) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (result.output.size() > 2048) result.output.erase(0, result.output.size() - 2048);
  return st;
}

}  // namespace

ReplayingCommandRunner::ReplayingCommandRunner(Explorer& explorer, int base_fd)
    : explorer_(explorer), base_fd_(base_fd) {}

Status ReplayingCommandRunner::state_dir(const std::string& name, std::string& dir) {
  if (scratch_.path().empty()) {
    if (Status st = scratch_.create("cmd"); !st) return st;
  }
  dir = scratch_.path() + "/" + name;
  return Status::ok();
}

Status ReplayingCommandRunner::write_to(const StateView& state, const std::string& name, std::string& dir) {
  const auto* view = dynamic_cast<const ImageView*>(&state);
  if (view == nullptr) return Status::invalid_argument("cmd checker: the state is not an explorer image");
  if (Status st = state_dir(name, dir); !st) return st;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  ReplayOptions replay;
  replay.out_dir = dir;
  replay.base_fd = base_fd_;
  ReplayStats stats;
  if (Status st = write_state_to_disk(explorer_.builder(), view->image(), replay, stats); !st)
    return Status::io_error(fmt::format("cmd checker: cannot write the state to {}: {}", dir, st.message()));
  return Status::ok();
}

Status ReplayingCommandRunner::write_state(const StateView& state, unsigned slot) {
  if (slot >= slots_) return Status::invalid_argument(fmt::format("cmd checker: no slot {}", slot));
  std::string dir;
  return write_to(state, fmt::format("state-{}", slot), dir);
}

Status ReplayingCommandRunner::run_written(unsigned slot, const std::string& command, std::string_view state_id,
                                           std::chrono::seconds timeout, bool keep_stdout, CommandOutcome& out) {
  const std::string dir = scratch_.path() + fmt::format("/state-{}", slot);
  const Status ran = run_in(dir, command, state_id, timeout, keep_stdout, out);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return ran;
}

Status ReplayingCommandRunner::run(const StateView& state, const std::string& command, std::string_view state_id,
                                   std::chrono::seconds timeout, bool keep_stdout, CommandOutcome& out) {
  std::string dir;
  if (Status st = write_to(state, "state", dir); !st) return st;
  const Status ran = run_in(dir, command, state_id, timeout, keep_stdout, out);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return ran;
}

}  // namespace crashfs::host
