#include "cli/command_checker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "cli/replay_to_disk.h"
#include "cli/scratch_dir.h"
#include "core/image_view.h"

namespace crashfs::cli {
namespace {

struct CommandResult {
  bool timed_out = false;
  int status = 0;      // exit status, 128+N for signal N
  std::string output;  // stdout + stderr, last 2 KiB
};

CommandResult run_in(const std::string& dir, const std::string& command, const std::string& state_id,
                     std::chrono::seconds timeout) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
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
  CommandResult result;
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
  return result;
}

class CommandChecker : public Checker {
 public:
  CommandChecker(Explorer& explorer, CommandCheckerOptions options)
      : explorer_(explorer), options_(std::move(options)) {}

  std::string name() const override { return "cmd:" + options_.command; }

  void check(const CheckContext& ctx, std::vector<Violation>& out) override {
    const auto* view = dynamic_cast<const ImageView*>(&ctx.state);
    if (view == nullptr) throw std::runtime_error("cmd checker: the state is not an explorer image");
    if (scratch_.path().empty()) {
      if (Status st = scratch_.create("cmd"); !st) throw std::runtime_error(st.message());
    }
    const std::string dir = scratch_.path() + "/state";
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    ReplayOptions replay;
    replay.out_dir = dir;
    replay.base_fd = options_.base_fd;
    ReplayStats stats;
    if (Status st = write_state_to_disk(explorer_.builder(), view->image(), replay, stats); !st)
      throw std::runtime_error(fmt::format("cmd checker: cannot write the state to {}: {}", dir, st.message()));
    const std::string state_id = fmt::format("crash point {}", ctx.crash_point);
    CommandResult r = run_in(dir, options_.command, state_id, options_.timeout);
    std::filesystem::remove_all(dir, ec);
    if (r.timed_out)
      throw std::runtime_error(fmt::format("`{}` did not finish within {} s (raise the timeout or fix the command)",
                                           options_.command, options_.timeout.count()));
    if (r.status == 0) return;
    Violation v;
    v.checker = name();
    v.reason = fmt::format("`{}` exited {}{}{}", options_.command, r.status, r.output.empty() ? "" : ": ",
                           r.output.substr(0, 400));
    while (!v.reason.empty() && (v.reason.back() == '\n' || v.reason.back() == ' ')) v.reason.pop_back();
    v.grade = "command-failed";
    out.push_back(std::move(v));
  }

 private:
  Explorer& explorer_;
  CommandCheckerOptions options_;
  ScratchDir scratch_;
};

}  // namespace

std::unique_ptr<Checker> make_command_checker(Explorer& explorer, CommandCheckerOptions options) {
  return std::make_unique<CommandChecker>(explorer, std::move(options));
}

}  // namespace crashfs::cli
