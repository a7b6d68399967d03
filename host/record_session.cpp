// The engine of `crashfs record` (and of `crashfs run`).
//
// Mounts the recording file system over DIR, runs CMD there, waits for it,
// unmounts, closes the trace and exits with CMD's exit status (128+N when
// it died of signal N).  Exit 2 for bad input or environment (DIR missing,
// no /dev/fuse, trace not writable, mount failed), 127 when CMD is not
// found, 3 when the trace could not be written completely.
//
// Signals: SIGINT/SIGTERM/SIGHUP/SIGQUIT to crashfs are forwarded to CMD's
// process group; if CMD is still alive kGraceAfterSignal later it is killed.
// Then crashfs unmounts and exits as usual.  When stdin is the terminal,
// CMD's group becomes the terminal's foreground group, so Ctrl-C reaches CMD
// directly.  A kill -9 of crashfs is covered by auto_unmount (fuse_mount.h)
// and by CMD's parent-death signal.
//
// Output capture (when recording): CMD's stdout and stderr are the mount's
// output nodes (fusefs/output_nodes.h), so what it prints is recorded as
// Output records in order with its file operations and passed on to
// crashfs's own stdout and stderr.
#include "host/record_session.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "fusefs/output_nodes.h"
#include "fusefs/trace_writer.h"
#include "host/exit_codes.h"
#include "host/record_child.h"
#include "host/recording_mount.h"

namespace crashfs::host {
namespace {

constexpr auto kGraceAfterSignal = std::chrono::seconds(5);
constexpr auto kReleaseWait = std::chrono::milliseconds(2000);

RecordResult fail(const RecordOptions& opt, int code, const std::string& message) {
  fmt::print(stderr, "{}: {}\n", opt.log_prefix, message);
  RecordResult result;
  result.command_not_found = code == kExitCommandNotFound;
  result.error = result.command_not_found ? kExitUsage : code;
  return result;
}

int exit_status_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return kExitHarness;
}

// Gives the terminal to CMD's process group while it runs (and back).
class TerminalForeground {
 public:
  explicit TerminalForeground(pid_t group) {
    if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp()) return;
    signal(SIGTTOU, SIG_IGN);  // we are about to leave the foreground
    if (tcsetpgrp(STDIN_FILENO, group) == 0) active_ = true;
  }
  ~TerminalForeground() {
    if (active_) tcsetpgrp(STDIN_FILENO, getpgrp());
  }

 private:
  bool active_ = false;
};

// Waits for CMD, forwarding termination signals to its process group.
// `blocked` holds the signals crashfs takes synchronously.  `tick` runs at
// least every 200 ms meanwhile.
int wait_for_command(pid_t child, const sigset_t& blocked, const std::function<void()>& tick) {
  std::optional<std::chrono::steady_clock::time_point> kill_at;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(child, &status, WNOHANG);
    if (done == child) return status;
    if (done < 0 && errno != EINTR) return W_EXITCODE(kExitHarness, 0);
    timespec timeout{0, 200'000'000};
    siginfo_t info{};
    const int sig = sigtimedwait(&blocked, &info, &timeout);
    tick();
    if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT) {
      spdlog::info("crashfs record: {} received, forwarding it to the command (process group {})", strsignal(sig),
                   child);
      kill(-child, sig);
      if (!kill_at) kill_at = std::chrono::steady_clock::now() + kGraceAfterSignal;
    }
    if (kill_at && std::chrono::steady_clock::now() >= *kill_at) {
      spdlog::warn("crashfs record: the command ignored the signal; killing it");
      kill(-child, SIGKILL);
      kill_at = std::chrono::steady_clock::now() + std::chrono::hours(1);
    }
  }
}

// Log lines go to stderr: stdout belongs to the command.
void log_to_stderr() {
  const auto level = spdlog::default_logger()->level();
  auto logger = spdlog::stderr_color_mt("crashfs-record");
  logger->set_pattern("%v");
  logger->set_level(level);
  spdlog::set_default_logger(logger);
}

}  // namespace

RecordResult record_workload(const RecordOptions& opt) {
  ensure_standard_fds();
  log_to_stderr();
  MountOptions mount_options;
  mount_options.dir = opt.dir;
  mount_options.trace = opt.trace;
  mount_options.no_record = opt.no_record;
  mount_options.real_fsync = opt.real_fsync;
  mount_options.capture_output = true;
  mount_options.command = opt.command;
  RecordingMount recording;
  // Validates everything before touching the mount table; the session
  // record names the resolved directory.
  MountError error = recording.prepare(mount_options, [&](const std::string& dir) -> MountError {
    if (command_exists(opt.command.front(), dir)) return {};
    return MountError{kExitCommandNotFound,
                      fmt::format("{}: command not found (looked in PATH; relative paths are relative to {})",
                                  opt.command.front(), dir)};
  });
  if (error) return fail(opt, error.code, error.message);
  const std::string& dir = recording.dir();
  std::vector<StdioCapture> capture;
  if (recording.recording()) {
    capture = {{fusefs::kStdoutName, STDOUT_FILENO}, {fusefs::kStderrName, STDERR_FILENO}};
  }

  // --- The child, forked while crashfs is still single-threaded. ---
  sigset_t blocked;
  sigemptyset(&blocked);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1}) sigaddset(&blocked, sig);
  sigset_t original_mask;
  sigprocmask(SIG_BLOCK, &blocked, &original_mask);
  // Checking follows the recording: restore the caller's mask on every
  // return, or a SIGINT/SIGTERM during the check would stay blocked and the
  // run could not be stopped.  Signals that only served the recording
  // (SIGCHLD, SIGUSR1) are drained first, so unblocking them does not act on
  // stale ones; a pending SIGINT/SIGTERM takes its normal effect.
  struct RestoreMask {
    const sigset_t& original;
    ~RestoreMask() {
      sigset_t recording_only;
      sigemptyset(&recording_only);
      sigaddset(&recording_only, SIGCHLD);
      sigaddset(&recording_only, SIGUSR1);
      const timespec now{0, 0};
      while (sigtimedwait(&recording_only, nullptr, &now) > 0) {
      }
      sigprocmask(SIG_SETMASK, &original, nullptr);
    }
  } restore_mask{original_mask};
  RecordChild child;
  if (Status st = child.spawn(opt.command, dir, original_mask, std::move(capture)); !st) {
    return fail(opt, kExitUsage, st.message());
  }
  if (MountError e = recording.mount()) {
    child.abandon();
    waitpid(child.pid(), nullptr, 0);
    return fail(opt, e.code, e.message);
  }

  const auto started = std::chrono::steady_clock::now();
  int wait_status;
  ChildStart started_child;
  {
    TerminalForeground foreground(child.pid());
    started_child = child.start();
    // Buffered records go to the trace writer every 200 ms (trace_writer.h).
    wait_status = wait_for_command(child.pid(), blocked, [&recording] { recording.tick(); });
    if (started_child.exec_error != 0) {
      fmt::print(stderr, "crashfs record: cannot run {}: {}\n", opt.command.front(),
                 std::strerror(started_child.exec_error));
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const MountError finished = recording.finish(kReleaseWait);
  if (recording.unreleased() > 0) {
    spdlog::warn("crashfs record: {} file(s) still open on the mount after the command exited (background "
                 "processes?): their release is not recorded",
                 recording.unreleased());
  }
  if (started_child.capture_error != 0) {
    return fail(opt, kExitHarness,
                fmt::format("{} was not run: cannot open {}/{} on the mount to capture its output: {}",
                            opt.command.front(), dir, started_child.capture_name,
                            std::strerror(started_child.capture_error)));
  }
  const int code = exit_status_of(wait_status);
  if (!recording.recording()) {
    fmt::print(stderr, "crashfs record: {} exited {} after {:.2f} s (nothing recorded: --no-record)\n",
               opt.command.front(), code, seconds);
    return RecordResult{kExitOk, false, code};
  }
  if (finished) return fail(opt, finished.code, finished.message);
  fmt::print(stderr, "crashfs record: {} exited {} after {:.2f} s; {} records, {} in {}\n", opt.command.front(),
             code, seconds, recording.records(), describe_size(recording.bytes()), opt.trace);
  return RecordResult{kExitOk, false, code};
}

}  // namespace crashfs::host
