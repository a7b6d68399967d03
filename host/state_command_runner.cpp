#include "host/state_command_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "core/image_view.h"
#include "host/replay_to_disk.h"

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
  const std::string id(state_id);
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
    setenv("CRASHFS_STATE", dir.c_str(), 1);
    setenv("CRASHFS_STATE_ID", id.c_str(), 1);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
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

Status ReplayingCommandRunner::run(const StateView& state, const std::string& command, std::string_view state_id,
                                   std::chrono::seconds timeout, bool keep_stdout, CommandOutcome& out) {
  const auto* view = dynamic_cast<const ImageView*>(&state);
  if (view == nullptr) return Status::invalid_argument("cmd checker: the state is not an explorer image");
  if (scratch_.path().empty()) {
    if (Status st = scratch_.create("cmd"); !st) return st;
  }
  const std::string dir = scratch_.path() + "/state";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  ReplayOptions replay;
  replay.out_dir = dir;
  replay.base_fd = base_fd_;
  ReplayStats stats;
  if (Status st = write_state_to_disk(explorer_.builder(), view->image(), replay, stats); !st)
    return Status::io_error(fmt::format("cmd checker: cannot write the state to {}: {}", dir, st.message()));
  const Status ran = run_in(dir, command, state_id, timeout, keep_stdout, out);
  std::filesystem::remove_all(dir, ec);
  return ran;
}

}  // namespace crashfs::host
