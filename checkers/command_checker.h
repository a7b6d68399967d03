// The `cmd:COMMAND` checker: COMMAND runs on each crash state (written to
// a private directory by the host, checker_host.h) through `/bin/sh -c`,
// with CRASHFS_STATE set to that directory and CRASHFS_STATE_ID to the
// state's id.  A non-zero exit is a violation carrying the tail of the
// command's output; a command that outlives its timeout, or a state that
// cannot be written, is a harness error (thrown, so the run reports it
// apart from the program's bugs), never a violation.
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

// `runner` must outlive the checker.
std::unique_ptr<Checker> make_command_checker(StateCommandRunner& runner, CommandCheckerOptions options);

}  // namespace crashfs
