// StateCommandRunner (checkers/checker_host.h) over the real file system:
// each crash state is written to a scratch directory (tmpfs where
// available) with write_state_to_disk, and the command runs there through
// `/bin/sh -c` in its own process group, stdin from /dev/null, stdout and
// stderr captured (the last 2 KiB of both kept, and all of stdout when
// asked); on timeout the whole group is killed.  The directory is removed
// after each run.  With slots (--jobs), each slot has a directory of its
// own and commands in distinct slots run at once: the child's environment
// is built before fork(), so a fork from a threaded process only makes
// async-signal-safe calls before exec.
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

  // `slots` directories for commands run at once (--jobs); 0 by default.
  void set_slots(unsigned slots) { slots_ = slots; }
  unsigned slots() const override { return slots_; }
  Status write_state(const StateView& state, unsigned slot) override;
  Status run_written(unsigned slot, const std::string& command, std::string_view state_id,
                     std::chrono::seconds timeout, bool keep_stdout, CommandOutcome& out) override;

 private:
  Status state_dir(const std::string& name, std::string& dir);
  // Writes `state` to the scratch directory `name` (emptied first).
  Status write_to(const StateView& state, const std::string& name, std::string& dir);
  unsigned slots_ = 0;
  Explorer& explorer_;
  int base_fd_;
  ScratchDir scratch_;
};

}  // namespace crashfs::host
