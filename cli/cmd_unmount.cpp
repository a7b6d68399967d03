// crashfs unmount DIR: ends the crashfs mount on DIR.
//
// A live mount with a state file (host/mount_state.h: `crashfs mount`,
// `crashfs view`, a running `record`) is ended by its own process: SIGTERM,
// then wait until that process exited, which it does only after the trace
// is flushed and closed and the mount is gone.  A dead one (its process was
// killed: kill -9) is unmounted lazily here (umount2 MNT_DETACH, or
// `fusermount3 -u -z`); its trace reads to its last written record.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.h"
#include "host/exit_codes.h"
#include "host/mount_state.h"
#include "host/mount_table.h"
#include "host/recording_mount.h"

namespace crashfs::cli {
namespace {

// How long the serving process may take to flush its trace and exit.
constexpr auto kStopTimeout = std::chrono::seconds(120);

bool wait_for_exit(const MountState& state) {
  const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  while (mount_process_alive(state)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

int run_unmount(const std::string& dir_arg) {
  const std::string dir = absolute_path_lexically(dir_arg);
  MountState state;
  const bool has_state = read_mount_state(dir, state).is_ok();
  // A stopped process (SIGSTOP, a debugger) cannot flush its trace: its
  // mount is cleared lazily below, like a dead one's.
  const bool stopped = has_state && mount_process_alive(state) &&
                       (process_state(state.pid) == 'T' || process_state(state.pid) == 't');
  if (has_state && mount_process_alive(state) && !stopped) {
    if (kill(state.pid, SIGTERM) != 0) {
      fmt::print(stderr, "crashfs unmount: cannot signal the process serving {} (pid {}): {}\n", dir, state.pid,
                 std::strerror(errno));
      return kExitHarness;
    }
    if (!wait_for_exit(state)) {
      fmt::print(stderr,
                 "crashfs unmount: the process serving {} (pid {}) did not exit within {} s; see its log {} (kill "
                 "-9 it, then run `crashfs unmount {}` again)\n",
                 dir, state.pid, kStopTimeout.count(), state.log, dir);
      return kExitHarness;
    }
    int cleared = 0;
    if (Status st = clear_crashfs_mounts(dir, cleared); !st) {
      fmt::print(stderr, "crashfs unmount: {}\n", st.message());
      return kExitHarness;
    }
    remove_mount_state(dir);
    if (state.kind == "view") {
      fmt::print(stderr, "crashfs unmount: unmounted the view of {} from {}\n", state.state, dir);
    } else {
      fmt::print(stderr, "crashfs unmount: unmounted {}; the trace {} is complete\n", dir, state.trace);
    }
    return kExitOk;
  }
  const int stacked = crashfs_mounts_at(dir);
  if (stacked == 0) {
    if (has_state) {
      remove_mount_state(dir);
      fmt::print(stderr, "crashfs unmount: {} is not mounted; removed the state file its dead process (pid {}) left\n",
                 dir, state.pid);
      return kExitOk;
    }
    fmt::print(stderr, "crashfs unmount: no crashfs mount on {}: nothing to do\n", dir);
    return kExitUsage;
  }
  int cleared = 0;
  if (Status st = clear_crashfs_mounts(dir, cleared); !st) {
    fmt::print(stderr, "crashfs unmount: {}\n", st.message());
    return kExitHarness;
  }
  if (has_state) remove_mount_state(dir);
  fmt::print(stderr, "crashfs unmount: unmounted {} crashfs mount{} from {}{}\n", cleared, cleared == 1 ? "" : "s",
             dir,
             has_state ? fmt::format(" (its process, pid {}, was {}; the trace {} reads to its last written record)",
                                     state.pid, stopped ? "stopped" : "dead", state.trace)
                       : "");
  return kExitOk;
}

}  // namespace

void add_unmount_command(CLI::App& app, int& exit_code) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "unmount",
      "End the crashfs mount on DIR: a live `crashfs mount` or `crashfs view` is told to flush its trace and\n"
      "unmount (also with files still open: processes inside get ENOTCONN); a dead one is unmounted lazily");
  cmd->add_option("dir", *dir, "Mount point")->required();
  cmd->callback([dir, &exit_code] { exit_code = run_unmount(*dir); });
}

}  // namespace crashfs::cli
