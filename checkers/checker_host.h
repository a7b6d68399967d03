// The seam between the pure checkers and the operating system.
//
// Most checkers only read StateViews.  The command checkers (cmd:, dump:,
// which run a program on a crash state written to disk) need the host: they
// get it through the interface below, given at construction; host/
// implements it over the real file system (host/state_command_runner.h),
// and tests may substitute fakes, so checkers/ itself never includes host/,
// cli/ or fusefs/.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/check_context.h"
#include "core/status.h"

namespace crashfs {

// What a command did.
struct CommandOutcome {
  bool timed_out = false;
  int status = 0;      // exit status, 128+N for signal N
  std::string output;  // stdout and stderr as they came, the last 2 KiB
  std::string stdout_text;  // all of stdout, when asked for (keep_stdout)
};

inline constexpr std::size_t kMaxCommandStdout = std::size_t{64} << 20;

// Runs a command on one crash state.
class StateCommandRunner {
 public:
  virtual ~StateCommandRunner() = default;
  // Writes `state` to a private, writable directory (the command may write
  // there, e.g. a program's own recovery; what it changes is undone before
  // the directory holds another state),
  // runs `command` there through `/bin/sh -c` with CRASHFS_STATE set to the
  // directory and CRASHFS_STATE_ID to `state_id`, stdin from /dev/null, and
  // waits at most `timeout` (then kills it: out.timed_out).  With
  // `keep_stdout`, all of stdout is kept (more than kMaxCommandStdout is an
  // error).  An error is the harness's (the state could not be written, the
  // command could not be started), never the program's.
  virtual Status run(const StateView& state, const std::string& command, std::string_view state_id,
                     std::chrono::seconds timeout, bool keep_stdout, CommandOutcome& out) = 0;

  // Running several commands at once (cmd: with --jobs): slots() private
  // directories; write_state() writes `state` to the one of `slot`, and
  // run_written() runs the command there as run() does, then empties it.
  // run_written() may be called from another thread, concurrently for
  // distinct slots; write_state() only from the caller's thread.  The
  // default has no slots (commands run one at a time through run()).
  virtual unsigned slots() const { return 0; }
  virtual Status write_state(const StateView& state, unsigned slot);
  virtual Status run_written(unsigned slot, const std::string& command, std::string_view state_id,
                             std::chrono::seconds timeout, bool keep_stdout, CommandOutcome& out);
};

// What make_checker (checker_spec.h) gives the checkers: the host for those
// that need it, and what the trace says of where it was recorded.
struct CheckerServices {
  // The absolute directory the workload's files were in (the trace's
  // recorded directory; empty: unknown).  sqlite finds there the absolute
  // names SQLite wrote into a journal (a super-journal's).
  std::string recorded_dir;
  StateCommandRunner* commands = nullptr;        // cmd:, dump:
  std::chrono::seconds command_timeout{60};      // per state, cmd: and dump:
};

}  // namespace crashfs
