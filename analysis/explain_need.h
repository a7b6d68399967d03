// Which recorded fsyncs a checker needs.
//
// Every recorded fsync / fdatasync / fsyncdir, latest first, is removed
// (cumulatively: one found unneeded stays removed) and the trace
// re-explored, bounded to the crash points its removal can change: from the
// point before it (which now stands for crashes past it) up to the next durability operation of the same target that
// covers at least as much (after it, both traces have the same durable
// operations), and never under process-kill (a process kill keeps every
// completed operation, fsync or not: those states and their verdicts are
// the run's own).  Each re-explored crash point is judged with its own
// promise (no state is folded into an earlier point's epoch), and with the
// original trace's acknowledgements: removing an fsync does not remove the
// promise the program made after it.  An fsync is needed when its removal
// brings a violation the run did not have at those points (the same
// points of the trace it was removed from, explored the same way).
#pragma once

#include <string>
#include <vector>

#include "analysis/explain.h"

namespace crashfs {

struct NeedOptions {
  CheckOptions check;  // the run's options; check.history: the run's history (required)
  std::size_t max_fsync_checks = 64;
  std::function<void(const std::string&)> say;
};

struct NeedResult {
  std::vector<DurabilityVerdict> verdicts;  // trace order
  bool analyzed = false;
  std::string skipped_reason;
  std::uint64_t states_rechecked = 0;
};

NeedResult analyze_fsyncs(Explorer& explorer, BaseContent* base, const std::vector<Checker*>& checkers,
                          const CheckReport& report, const NeedOptions& options);

// A history whose every moment is a promise moment: each crash point is its
// own epoch, so no state is judged only with an earlier point's promise.
class PerPointHistory : public RunHistory {
 public:
  explicit PerPointHistory(const RunHistory& of) : of_(of) {}
  const Trace& trace() const override { return of_.trace(); }
  std::size_t moments() const override { return of_.moments(); }
  std::shared_ptr<const StateView> state_at(std::size_t moment) const override { return of_.state_at(moment); }
  const std::vector<Acknowledgement>& acknowledgements() const override { return of_.acknowledgements(); }
  const Acknowledgement* latest_file_sync(std::string_view path, std::size_t moment) const override {
    return of_.latest_file_sync(path, moment);
  }
  std::vector<std::size_t> promise_moments() const override;

 private:
  const RunHistory& of_;
};

}  // namespace crashfs
