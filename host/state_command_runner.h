// StateCommandRunner (checkers/checker_host.h) over the real file system:
// each slot (one without --jobs) has a scratch tree (state_tree.h, on
// tmpfs where available) that is moved to each crash state by writing only
// what differs from the state before (and undoing what the command
// changed), and the command runs there through `/bin/sh -c` in its own
// process group, stdin from /dev/null, stdout and stderr captured (the
// last 2 KiB of both kept, and all of stdout when asked); on timeout the
// whole group is killed.  Commands in distinct slots run at once: the
// child's environment is built before fork(), so a fork from a threaded
// process only makes async-signal-safe calls before exec.  The trees are
// removed with the runner.
#pragma once

#include <memory>
#include <vector>

#include "checkers/checker_host.h"
#include "core/explorer.h"
#include "host/scratch_dir.h"
#include "host/state_tree.h"

namespace crashfs::host {

class ReplayingCommandRunner : public StateCommandRunner {
 public:
  // `explorer` must outlive the runner (its builder writes the states);
  // `base_fd` is the recorded directory, to copy untouched entries from
  // (-1: none).  `clock` is for tests (state_tree.h).
  ReplayingCommandRunner(Explorer& explorer, int base_fd,
                         StateTree::ChangeClock clock = StateTree::ChangeClock::kProbe);
  ~ReplayingCommandRunner() override;

  Status run(const StateView& state, const std::string& command, std::string_view state_id,
             std::chrono::seconds timeout, bool keep_stdout, CommandOutcome& out) override;

  // `slots` directories for commands run at once (--jobs); 0 by default.
  // Before any state is written (the trees' slots are made here: a slot's
  // command may run on another thread while another slot is written).
  void set_slots(unsigned slots);
  unsigned slots() const override { return slots_; }
  Status write_state(const StateView& state, unsigned slot) override;
  Status run_written(unsigned slot, const std::string& command, std::string_view state_id,
                     std::chrono::seconds timeout, bool keep_stdout, CommandOutcome& out) override;

 private:
  // Moves slot `slot`'s tree to `state` (made at first use).
  Status write_to(const StateView& state, unsigned slot);
  unsigned slots_ = 0;
  TreeSource source_;
  StateTree::ChangeClock clock_;
  ScratchDir scratch_;
  std::vector<std::unique_ptr<StateTree>> trees_;  // per slot (made at first use); [0] also for run()
};

}  // namespace crashfs::host
