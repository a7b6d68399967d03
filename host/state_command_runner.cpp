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

Status run_in(const std::string& dir, const std::string& command, const std::string& state_id,
              std::chrono::seconds timeout, CommandOutcome& result) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::io_error(fmt::format("pipe: {}", std::strerror(errno)));
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return Status::io_error(fmt::format("fork: {}", std::strerror(err)));
  }
  if (pid == 0) {
    setpgid(0, 0);
    dup2(pipe_fds[1], 1);
    dup2(pipe_fds[1], 2);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    if (chdir(dir.c_str()) != 0) _exit(126);
    setenv("CRASHFS_STATE", dir.c_str(), 1);
    setenv("CRASHFS_STATE_ID", state_id.c_str(), 1);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  result = CommandOutcome{};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    const ssize_t n = read(pipe_fds[0], buf, sizeof buf);
    if (n <= 0) break;
    result.output.append(buf, static_cast<std::size_t>(n));
    if (result.output.size() > 4096) result.output.erase(0, result.output.size() - 2048);
  }
  close(pipe_fds[0]);
  if (result.timed_out) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (result.output.size() > 2048) result.output.erase(0, result.output.size() - 2048);
  return Status::ok();
}

}  // namespace

ReplayingCommandRunner::ReplayingCommandRunner(Explorer& explorer, int base_fd)
    : explorer_(explorer), base_fd_(base_fd) {}

Status ReplayingCommandRunner::run(const CheckContext& ctx, const std::string& command, const std::string& state_id,
                                   std::chrono::seconds timeout, CommandOutcome& out) {
  const auto* view = dynamic_cast<const ImageView*>(&ctx.state);
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
  const Status ran = run_in(dir, command, state_id, timeout, out);
  std::filesystem::remove_all(dir, ec);
  return ran;
}

}  // namespace crashfs::host
