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

#include "fusefs/fuse_mount.h"
#include "fusefs/recording_fs.h"
#include "fusefs/trace_writer.h"
#include "host/exit_codes.h"
#include "host/mount_table.h"
#include "host/record_child.h"

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

std::string describe_size(std::uint64_t bytes) {
  if (bytes < 10 * 1024) return fmt::format("{} B", bytes);
  if (bytes < 10 * 1024 * 1024) return fmt::format("{:.1f} KiB", bytes / 1024.0);
  return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024.0));
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

std::string session_json(const std::string& dir, const std::vector<std::string>& command) {
  nlohmann::json j;
  j["dir"] = dir;
  j["command"] = command;
  j["crashfs"] = "0.1.0";
  j["started_ns"] = fusefs::realtime_ns();
  return j.dump();
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
  // --- Validate everything before touching the mount table. ---
  char resolved[PATH_MAX];
  if (realpath(opt.dir.c_str(), resolved) == nullptr) {
    const int err = errno;
    if (err == ENOTCONN) {
      return fail(opt, kExitUsage, fmt::format("{}: a dead mount (transport endpoint is not connected): clear it with "
                                          "`crashfs unmount {}`",
                                          opt.dir, opt.dir));
    }
    return fail(opt, kExitUsage, fmt::format("directory {} does not exist ({}): create it or pass an existing --dir",
                                        opt.dir, std::strerror(err)));
  }
  const std::string dir = resolved;
  struct stat dir_st {};
  if (stat(dir.c_str(), &dir_st) != 0 || !S_ISDIR(dir_st.st_mode)) {
    return fail(opt, kExitUsage, fmt::format("{} is not a directory: pass a directory with --dir", dir));
  }
  if (access("/dev/fuse", R_OK | W_OK) != 0) {
    if (errno == EACCES || errno == EPERM) {
      return fail(opt, kExitUsage,
                  "FUSE is not available to this user: /dev/fuse is not readable and writable by it; run crashfs "
                  "as root, or give the user access to /dev/fuse (e.g. chmod 0666 /dev/fuse)");
    }
    return fail(opt, kExitUsage, fmt::format("FUSE is not available: /dev/fuse {}; load the fuse module (modprobe fuse) "
                                        "or run the container with --device /dev/fuse",
                                        errno == ENOENT ? "missing" : std::strerror(errno)));
  }
  if (crashfs_mounts_at(dir) > 0) {
    return fail(opt, kExitUsage, fmt::format("{} is already a crashfs mount (another recording, or a leftover: "
                                        "`crashfs unmount {}` clears it)",
                                        dir, dir));
  }
  if (!command_exists(opt.command.front(), dir)) {
    return fail(opt, kExitCommandNotFound, fmt::format("{}: command not found (looked in PATH; relative paths are "
                                                  "relative to {})",
                                                  opt.command.front(), dir));
  }
  std::unique_ptr<fusefs::TraceWriter> writer;
  if (!opt.no_record) {
    writer = std::make_unique<fusefs::TraceWriter>();
    if (Status st = writer->open(opt.trace); !st) return fail(opt, kExitUsage, st.message());
  }
  const int root_fd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return fail(opt, kExitUsage, fmt::format("cannot open {}: {}", dir, std::strerror(errno)));

  fusefs::FsOptions fs_options;
  fs_options.real_fsync = opt.real_fsync;
  std::vector<StdioCapture> capture;
  if (writer) {
    fs_options.capture_output = true;
    fs_options.forward_stdout = STDOUT_FILENO;
    fs_options.forward_stderr = STDERR_FILENO;
    capture = {{fusefs::kStdoutName, STDOUT_FILENO}, {fusefs::kStderrName, STDERR_FILENO}};
  }
  fusefs::RecordingFs fs(root_fd, writer.get(), fs_options);
  if (Status st = fs.begin(session_json(dir, opt.command)); !st) return fail(opt, kExitUsage, st.message());

  // --- The child, forked while crashfs is still single-threaded. ---
  sigset_t blocked;
  sigemptyset(&blocked);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1}) sigaddset(&blocked, sig);
  sigset_t original_mask;
  sigprocmask(SIG_BLOCK, &blocked, &original_mask);
  RecordChild child;
  if (Status st = child.spawn(opt.command, dir, original_mask, std::move(capture)); !st) {
    return fail(opt, kExitUsage, st.message());
  }

  // The kernel already applied the caller's umask to every mode it sends.
  umask(0);
  // crashfs keeps a descriptor per node the kernel knows (as passthrough_hp
  // does) and one per writer thread (process_table.h): the usual soft limit
  // of 1024 would fail a big tree with EMFILE.  The workload, forked above,
  // keeps its own limit.
  if (rlimit lim{}; getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) spdlog::debug("crashfs: cannot raise the descriptor limit");
  }

  std::unique_ptr<fusefs::FuseMount> mount;
  if (Status st = fusefs::FuseMount::mount(fs, dir, mount); !st) {
    child.abandon();
    waitpid(child.pid(), nullptr, 0);
    return fail(opt, kExitUsage, st.message());
  }
  mount->serve();

  const auto started = std::chrono::steady_clock::now();
  int wait_status;
  ChildStart started_child;
  {
    TerminalForeground foreground(child.pid());
    started_child = child.start();
    // Buffered records go to the trace writer every 200 ms (trace_writer.h).
    wait_status = wait_for_command(child.pid(), blocked, [&fs] { (void)fs.push_trace(); });
    if (started_child.exec_error != 0) {
      fmt::print(stderr, "crashfs record: cannot run {}: {}\n", opt.command.front(),
                 std::strerror(started_child.exec_error));
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (!fs.wait_until_released(kReleaseWait)) {
    spdlog::warn("crashfs record: {} file(s) still open on the mount after the command exited (background "
                 "processes?): their release is not recorded",
                 fs.open_files());
  }
  mount->stop();
  if (started_child.capture_error != 0) {
    return fail(opt, kExitHarness,
                fmt::format("{} was not run: cannot open {}/{} on the mount to capture its output: {}",
                            opt.command.front(), dir, started_child.capture_name,
                            std::strerror(started_child.capture_error)));
  }
  const int code = exit_status_of(wait_status);
  if (!writer) {
    fmt::print(stderr, "crashfs record: {} exited {} after {:.2f} s (nothing recorded: --no-record)\n",
               opt.command.front(), code, seconds);
    return RecordResult{kExitOk, false, code};
  }
  const Status closed = writer->close();
  if (!fs.failure() || !closed) {
    return fail(opt, kExitHarness, fmt::format("the trace is incomplete: {}", !fs.failure() ? fs.failure().message()
                                                                                        : closed.message()));
  }
  fmt::print(stderr, "crashfs record: {} exited {} after {:.2f} s; {} records, {} in {}\n", opt.command.front(),
             code, seconds, writer->records(), describe_size(writer->bytes()), opt.trace);
  return RecordResult{kExitOk, false, code};
}

}  // namespace crashfs::host
