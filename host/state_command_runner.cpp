#include "host/state_command_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/image_view.h"
#include "host/child_groups.h"

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
  // The child's environment, built here.  posix_spawn (a vfork: no copy
  // of crashfs's page tables per command, and safe while other threads
  // run commands) sets up the rest: its own process group, stdout and
  // stderr into the pipes, stdin from /dev/null, the state directory as
  // its working directory, no blocked signals and default dispositions.
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
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, out_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_fds[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, "/bin/sh", &actions, &attr, const_cast<char* const*>(argv), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) {
    for (int fd : {out_fds[0], out_fds[1], err_fds[0], err_fds[1]}) close(fd);
    return Status::io_error(fmt::format("cannot start `/bin/sh -c {}` in {}: {}", command, dir, std::strerror(spawned)));
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

ReplayingCommandRunner::ReplayingCommandRunner(Explorer& explorer, int base_fd, StateTree::ChangeClock clock)
    : clock_(clock), trees_(1) {
  source_.builder = &explorer.builder();
  source_.base_fd = base_fd;
}

void ReplayingCommandRunner::set_slots(unsigned slots) {
  slots_ = slots;
  trees_.resize(std::max(1u, slots));
}

// The trees go before the scratch directory that holds them.
ReplayingCommandRunner::~ReplayingCommandRunner() { trees_.clear(); }

Status ReplayingCommandRunner::write_to(const StateView& state, unsigned slot) {
  const auto* view = dynamic_cast<const ImageView*>(&state);
  if (view == nullptr) return Status::invalid_argument("cmd checker: the state is not an explorer image");
  if (scratch_.path().empty()) {
    if (Status st = scratch_.create("cmd"); !st) return st;
  }
  if (slot >= trees_.size()) return Status::invalid_argument(fmt::format("cmd checker: no slot {}", slot));
  if (!trees_[slot]) {
    auto tree = std::make_unique<StateTree>(source_, clock_);
    if (Status st = tree->create(fmt::format("{}/state-{}", scratch_.path(), slot)); !st) return st;
    trees_[slot] = std::move(tree);
  }
  ReplayStats stats;
  if (Status st = trees_[slot]->sync(view->image(), stats); !st)
    return Status::io_error(fmt::format("cmd checker: cannot write the state to {}: {}", trees_[slot]->path(), st.message()));
  return Status::ok();
}

Status ReplayingCommandRunner::write_state(const StateView& state, unsigned slot) {
  if (slot >= slots_) return Status::invalid_argument(fmt::format("cmd checker: no slot {}", slot));
  return write_to(state, slot);
}

Status ReplayingCommandRunner::run_written(unsigned slot, const std::string& command, std::string_view state_id,
                                           std::chrono::seconds timeout, bool keep_stdout, CommandOutcome& out) {
  if (slot >= trees_.size() || !trees_[slot]) return Status::invalid_argument(fmt::format("cmd checker: slot {} holds no state", slot));
  return run_in(trees_[slot]->path(), command, state_id, timeout, keep_stdout, out);
}

Status ReplayingCommandRunner::run(const StateView& state, const std::string& command, std::string_view state_id,
                                   std::chrono::seconds timeout, bool keep_stdout, CommandOutcome& out) {
  if (Status st = write_to(state, 0); !st) return st;
  return run_in(trees_[0]->path(), command, state_id, timeout, keep_stdout, out);
}

}  // namespace crashfs::host
