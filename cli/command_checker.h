// The `cmd:COMMAND` checker: each crash state is written to a scratch
// directory (tmpfs where available) and COMMAND runs there through
// `/bin/sh -c`, with CRASHFS_STATE set to that directory and
// CRASHFS_STATE_ID to the state's id.  A non-zero exit is a violation
// carrying the tail of the command's output; a command that outlives its
// timeout is a harness error (thrown, so the run reports it apart from the
// program's bugs), never a violation.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "checkers/checker.h"
#include "core/explorer.h"

namespace crashfs::cli {

struct CommandCheckerOptions {
  std::string command;
  std::chrono::seconds timeout{60};
  int base_fd = -1;  // recorded directory, to copy untouched entries from (-1: none)
};

// `explorer` must outlive the checker (its builder writes the states).
std::unique_ptr<Checker> make_command_checker(Explorer& explorer, CommandCheckerOptions options);

}  // namespace crashfs::cli
