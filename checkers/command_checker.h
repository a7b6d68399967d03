// The command checkers: programs the user names, run on each crash state
// written to a private, writable directory by the host (checker_host.h),
// through `/bin/sh -c`, with CRASHFS_STATE set to that directory and
// CRASHFS_STATE_ID to the state's replayable id (e.g. `posix@30-o28`).
//
//   cmd:COMMAND   integrity only: a non-zero exit is a violation
//                 ("command-failed") carrying the tail of its output.
//   dump:COMMAND  on the oracle (view_oracle.h), with the whole state as
//                 its one unit: the exit status is integrity
//                 ("command-failed"), its stdout the view.  So the state
//                 must read back as one the crash-free run passed through
//                 ("inconsistent-recovery") and not older than the latest
//                 --ack ("lost-acked").  E.g. `git fsck && git log`, a
//                 database's dump tool.
// A command that outlives its timeout, or a state that cannot be written,
// is a harness error (thrown, so the run reports it apart from the
// program's bugs), never a violation.  Results are cached per state
// content (state_key.h): equal trees run the command once.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "checkers/checker.h"
#include "checkers/checker_host.h"

namespace crashfs {

struct CommandCheckerOptions {
  std::string command;
  std::chrono::seconds timeout{60};
};

// `runner` must outlive the checkers.
std::unique_ptr<Checker> make_command_checker(StateCommandRunner& runner, CommandCheckerOptions options);
std::unique_ptr<Checker> make_dump_checker(StateCommandRunner& runner, CommandCheckerOptions options);

}  // namespace crashfs
