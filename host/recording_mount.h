// RecordingMount: the lifecycle of one recording mount, shared by `crashfs
// record` / `run` (a workload runs on it) and the `crashfs mount` daemon
// (any process works on it until `crashfs unmount`).
//
//   prepare()  validates DIR (exists, a directory, not a live crashfs mount;
//              a dead one is cleared when clear_dead_mount), /dev/fuse, opens
//              the trace and writes its first records.  Nothing is mounted
//              yet, and no thread but the trace writer's exists, so a caller
//              may still fork its workload.
//   mount()    mounts over DIR, starts serving requests, and returns once
//              a stat of DIR answers through the mount; then writes the mount
//              state file (host/mount_state.h).
//   tick()     hands buffered records to the trace writer and refreshes the
//              state file's counts; call every 200 ms.
//   finish()   waits (up to release_wait) for open files to be released,
//              stops serving, unmounts lazily (processes still inside get
//              ENOTCONN), closes the trace, removes the state file.  Also run
//              by the destructor.
//
// Errors carry the exit code they mean (host/exit_codes.h: kExitUsage for
// bad input or environment, kExitHarness for an incomplete trace) and a
// message naming the file or operation and what to do.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace crashfs::fusefs {
class FuseMount;
class RecordingFs;
class TraceWriter;
}  // namespace crashfs::fusefs

namespace crashfs::host {

struct MountOptions {
  std::string dir = ".";
  std::string trace = "crashfs.trace";
  bool no_record = false;
  bool real_fsync = false;
  // Serve the workload's stdout/stderr as output nodes passed on to
  // crashfs's own descriptors 1 and 2 (fusefs/output_nodes.h).
  bool capture_output = false;
  bool clear_dead_mount = false;
  // The mount state file (host/mount_state.h) is written once the mount
  // answers requests; a failure to write it fails mount() only when
  // state_required (the `crashfs mount` daemon: `status` and `unmount` need
  // it), else it is a warning.
  bool state_required = false;
  std::string log;  // the daemon's log, named in the state file
  // The workload, for the Session record (empty for `crashfs mount`).
  std::vector<std::string> command;
};

struct MountError {
  int code = 0;  // 0: none
  std::string message;
  explicit operator bool() const { return code != 0; }
};

class RecordingMount {
 public:
  RecordingMount();
  ~RecordingMount();
  RecordingMount(const RecordingMount&) = delete;
  RecordingMount& operator=(const RecordingMount&) = delete;

  // `before_open`, if given, runs after DIR (resolved) was validated and
  // before the trace is opened: a caller's own check (the command exists).
  MountError prepare(const MountOptions& options,
                     const std::function<MountError(const std::string& dir)>& before_open = {});
  MountError mount();
  void tick();
  // Returns the trace's failure, if any (code kExitHarness).
  MountError finish(std::chrono::milliseconds release_wait);

  // The resolved absolute path of DIR (after prepare()).
  const std::string& dir() const { return dir_; }
  bool recording() const { return writer_ != nullptr; }
  std::uint64_t records() const;
  std::uint64_t bytes() const;
  std::int64_t since_ns() const { return since_ns_; }
  // Open files still not released when finish() gave up waiting.
  std::int64_t unreleased() const { return unreleased_; }

 private:
  Status write_state();

  MountOptions options_;
  std::string dir_;
  std::unique_ptr<fusefs::TraceWriter> writer_;
  std::unique_ptr<fusefs::RecordingFs> fs_;
  std::unique_ptr<fusefs::FuseMount> mount_;
  bool finished_ = false;
  bool state_written_ = false;
  std::int64_t since_ns_ = 0;
  std::uint64_t state_records_ = 0;
  std::int64_t unreleased_ = 0;
};

// Removes every crashfs mount stacked on `dir` (lazy: umount2(MNT_DETACH),
// else `fusermount3 -u -z` when not root).  Returns how many it removed, or
// an error naming the directory and what to try.
Status clear_crashfs_mounts(const std::string& dir, int& cleared);

// "12.3 KiB"
std::string describe_size(std::uint64_t bytes);

}  // namespace crashfs::host
