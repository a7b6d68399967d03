// The state file of a live crashfs mount, for `crashfs status`, `mark` and
// `unmount` (other processes than the one serving the mount).
//
// One small JSON file per mount point, in mount_state_dir():
// $CRASHFS_RUN_DIR when set, else /run/crashfs as root, else
// /tmp/crashfs-UID.  The file is named after a hash of the absolute mount
// point and replaced atomically (write a temporary, rename), so a reader
// sees a whole file or none.  The serving process writes it once the mount
// answers requests, refreshes records and bytes while serving, and removes
// it when it unmounted; a kill -9 leaves it behind, which is how `status`
// and `unmount` tell a dead mount from a live one (pid, and the process's
// start time against pid reuse).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "core/status.h"

namespace crashfs::host {

struct MountState {
  std::string kind = "record";  // "record" (a recording) or "view" (crashfs view)
  pid_t pid = 0;
  std::uint64_t pid_start = 0;  // the process's start time (/proc/PID/stat field 22)
  std::string dir;              // absolute mount point
  std::string trace;            // absolute trace path
  std::string state;            // kind "view": the state id
  std::string log;              // where a daemon logs (empty: its own stderr)
  std::int64_t since_ns = 0;    // CLOCK_REALTIME when the mount began serving
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
};

std::string mount_state_dir();
std::string mount_state_path(const std::string& dir);
// A path in mount_state_dir() for a daemon's log of mount point `dir`.
std::string mount_log_path(const std::string& dir);

// Writes `state` for state.dir (creating mount_state_dir()).
Status write_mount_state(const MountState& state);
// kNotFound when no state file exists for `dir`.
Status read_mount_state(const std::string& dir, MountState& out);
void remove_mount_state(const std::string& dir);

// The scheduler state letter of process `pid` ('T': stopped), 0 if none.
char process_state(pid_t pid);
// Start time of process `pid` (0 if it does not exist).
std::uint64_t process_start_time(pid_t pid);
// Whether the process that wrote `state` still runs (not a zombie, not a
// new process that reused the pid).
bool mount_process_alive(const MountState& state);

}  // namespace crashfs::host
