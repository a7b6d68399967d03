// crashfs mount [--trace FILE] [--real-fsync] DIR   (host/mount_daemon.h)
// crashfs status DIR [--json]
// crashfs mark DIR LABEL
//
// Mounted mode: a recording that outlives one command, for test suites that
// start servers and run many steps.  `crashfs unmount DIR` (cmd_unmount.cpp)
// ends it.
#include <sys/stat.h>
#include <sys/xattr.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "fusefs/recording_fs.h"
#include "host/exit_codes.h"
#include "host/mount_daemon.h"
#include "host/mount_state.h"
#include "host/mount_table.h"

namespace crashfs::cli {
namespace {

std::string format_time(std::int64_t ns) {
  const std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int run_status(const std::string& dir_arg, bool json) {
  const std::string dir = absolute_path_lexically(dir_arg);
  const int mounts = crashfs_mounts_at(dir);
  MountState state;
  const Status read = read_mount_state(dir, state);
  const bool alive = read && mount_process_alive(state);
  nlohmann::json j;
  j["dir"] = dir;
  j["mounted"] = mounts > 0 && (alive || !read);
  if (read) {
    j["kind"] = state.kind;
    j["pid"] = state.pid;
    j["trace"] = state.trace;
    j["since"] = format_time(state.since_ns);
    j["records"] = state.records;
    j["bytes"] = state.bytes;
    j["log"] = state.log;
    j["alive"] = alive;
    if (!state.state.empty()) j["state"] = state.state;
  }
  int code = kExitOk;
  std::string text;
  if (mounts == 0) {
    code = kExitViolation;
    text = read ? fmt::format("{}: not mounted (a state file from pid {} is left over: `crashfs unmount {}` removes "
                              "it)",
                              dir, state.pid, dir)
                : fmt::format("{}: no crashfs mount", dir);
  } else if (read && !alive) {
    code = kExitViolation;
    j["mounted"] = false;
    j["dead"] = true;
    text = fmt::format("{}: a dead crashfs mount (its daemon, pid {}, is gone; the trace {} reads to its last record): "
                       "`crashfs unmount {}` clears it",
                       dir, state.pid, state.trace, dir);
  } else if (!read) {
    text = fmt::format("{}: a crashfs mount, but no state file in {} (started by another user, or with another "
                       "CRASHFS_RUN_DIR)",
                       dir, mount_state_dir());
  } else if (state.kind == "view") {
    text = fmt::format("{}: crashfs view of state {} of {} (pid {}, since {})", dir, state.state, state.trace,
                       state.pid, format_time(state.since_ns));
  } else {
    text = fmt::format("{}: recording to {} (pid {}, since {}): {} records, {} written; log {}", dir, state.trace,
                       state.pid, format_time(state.since_ns), state.records, describe_size(state.bytes), state.log);
  }
  if (json) {
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{}\n", text);
  }
  return code;
}

int run_mark(const std::string& dir_arg, const std::string& label) {
  const std::string dir = absolute_path_lexically(dir_arg);
  if (crashfs_mounts_at(dir) == 0) {
    fmt::print(stderr, "crashfs mark: {} is not a crashfs mount: start one with `crashfs mount --trace FILE {}`\n",
               dir, dir);
    return kExitUsage;
  }
  // Through the mount, so the mark takes its place among the operations
  // in the order the kernel delivered them.
  if (::setxattr(dir.c_str(), fusefs::kMarkXattr, label.data(), label.size(), 0) != 0) {
    fmt::print(stderr, "crashfs mark: cannot mark {} (setxattr {}): {}{}\n", dir, fusefs::kMarkXattr,
               std::strerror(errno),
               errno == ENOTCONN ? fmt::format(": the mount is dead; `crashfs unmount {}` clears it", dir) : "");
    return errno == ENOTCONN ? kExitUsage : kExitHarness;
  }
  return kExitOk;
}

}  // namespace

void add_mount_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<MountOptions>();
  CLI::App* cmd = app.add_subcommand(
      "mount",
      "Mount the recording file system over DIR in the background and return once it serves requests; prints the\n"
      "daemon's pid. Any process may then work in DIR; `crashfs mark DIR LABEL` labels points of the trace,\n"
      "`crashfs status DIR` reports, `crashfs unmount DIR` closes the trace and unmounts. A dead mount on DIR\n"
      "(its daemon was killed) is cleared first.");
  cmd->add_option("--trace", options->trace, "Trace file to write (hidden on the mount if inside DIR)")
      ->capture_default_str();
  cmd->add_flag("--real-fsync", options->real_fsync, "Also perform fsync/fdatasync/fsyncdir and O_SYNC writes on disk");
  cmd->add_option("--log", options->log, "The daemon's log file (default: next to its state file, see `status`)");
  cmd->add_option("dir", options->dir, "Directory to record")->required();
  cmd->callback([options, &exit_code] { exit_code = start_mount_daemon(*options); });

  auto status_dir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* status = app.add_subcommand(
      "status", "Whether DIR is a live crashfs mount (exit 0) or not (exit 1): pid, trace, since, records, bytes");
  status->add_option("dir", *status_dir, "Mount point")->required();
  status->add_flag("--json", *json, "Print a JSON object (dir, mounted, pid, trace, since, records, bytes, log)");
  status->callback([status_dir, json, &exit_code] { exit_code = run_status(*status_dir, *json); });

  auto mark_dir = std::make_shared<std::string>();
  auto label = std::make_shared<std::string>();
  CLI::App* mark = app.add_subcommand(
      "mark",
      "Append a mark LABEL to the trace of the crashfs mount on DIR, after every operation that completed before;\n"
      "marks are acknowledgements for --ack and bounds for --from-mark/--to-mark");
  mark->add_option("dir", *mark_dir, "Mount point")->required();
  mark->add_option("label", *label, "The mark's label")->required();
  mark->callback([mark_dir, label, &exit_code] { exit_code = run_mark(*mark_dir, *label); });
}

}  // namespace crashfs::cli
