// StateCommandRunner (checkers/checker_host.h) over the real file system:
// each crash state is written to a scratch directory (tmpfs where
// available) with write_state_to_disk, and the command runs there through
// `/bin/sh -c` in its own process group, stdin from /dev/null, stdout and
// stderr captured (the last 2 KiB of both kept, and all of stdout when
// asked); on timeout the whole group is killed.  The directory is removed
// after each run.
#pragma once

#include <memory>

#include "checkers/checker_host.h"
#include "core/explorer.h"
#include "host/scratch_dir.h"

namespace crashfs::host {

class ReplayingCommandRunner : public StateCommandRunner {
 public:
  // `explorer` must outlive the runner (its builder writes the states);
  // `base_fd` is the recorded directory, to copy untouched entries from
  // (-1: none).
  ReplayingCommandRunner(Explorer& explorer, int base_fd);

  Status run(const StateView& state, const std::string& command, std::string_view state_id,
             std::chrono::seconds timeout, bool keep_stdout, CommandOutcome& out) override;

 private:
  Explorer& explorer_;
  int base_fd_;
  ScratchDir scratch_;
};

}  // namespace crashfs::host
