// The cause of one violation: which of its state's deviations it needs,
// and which persisted operations expose them.
//
// Minimal deviations.  A state's spec is a set of deviations (operations
// lost, writes torn, grown regions zeroed).  The search gives deviations
// back one at a time, earliest in program order first, and keeps only those
// whose return makes the violation disappear; it repeats until no
// deviation can go (each kept one is needed by the ones kept with it).
// Earliest first, because a lost early operation can turn a later one into
// a no-op (a lost mkdir makes a lost exchange of that directory
// irrelevant): giving the early one back first keeps the later, real
// cause.  "The violation" is the same grade of the same checker on the same
// path (a lost entry that turns a torn-undetectable journal into a missing
// one is not the same bug).
//
// Exposing operations.  Operations after the cause's first operation in
// program order, on any file or directory, that persisted in the state and
// whose omission (with the cause kept) removes the violation: the rename
// over the file, the done marker, the exchange of a staged directory.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/explain.h"
#include "analysis/explain_paths.h"
#include "core/trace_index.h"

namespace crashfs {

// A state spec as a flat set of deviations that can be given back one at a
// time.  Omitted ranges are split into single operations when they are
// short; a long range stays one unit.
struct Deviations {
  std::vector<SeqRange> omitted;
  std::vector<TornWrite> torn;
  std::vector<Seq> zeroed;

  std::size_t size() const { return omitted.size() + torn.size() + zeroed.size(); }
  // Splits omitted ranges into the operations the range really omits (not
  // durable at the spec's crash point `point`).
  static Deviations of(const StateSpec& spec, const TraceIndex& index, std::size_t point);
  StateSpec apply_to(StateSpec spec) const;
  // Every deviation but the i-th (omitted, then torn, then zeroed).
  Deviations without(std::size_t i) const;
  // The seq of the i-th deviation (the first of an omitted range).
  Seq seq_of(std::size_t i) const;
  bool touches(Seq seq) const;
};

// One operation of a cause.
struct CauseOp {
  std::size_t index = 0;  // operation index in the explained trace
  enum class Role : std::uint8_t { kLost, kLostRange, kTorn, kZeroed, kExposes } role = Role::kLost;
  Seq range_last = 0;     // kLostRange: the last seq of the range
};

struct Cause {
  bool valid = false;  // the spec parsed and the search ran
  CauseKind kind = CauseKind::kAtomicity;
  Deviations minimal;
  std::vector<CauseOp> ops;  // the deviations (by index), then the exposing operations
  std::string shape;         // op types, order and path roles: the group key's cause part
  std::vector<OpDescription> described;
  std::size_t rechecks = 0;
};

// Re-checks states with one checker for the same-grade violation.
class Rechecker {
 public:
  Rechecker(Explorer& explorer, Checker& checker, const RunHistory* history, const Violation& v, std::size_t budget)
      : explorer_(explorer), checker_(checker), history_(history), v_(v), budget_(budget) {}
  // Whether `spec`'s state still has the violation (same checker, path and
  // grade); nullopt when the spec is not a state its model allows or the
  // budget is spent.
  std::optional<bool> violates(const StateSpec& spec);
  std::size_t used() const { return used_; }

 private:
  Explorer& explorer_;
  Checker& checker_;
  const RunHistory* history_;
  const Violation& v_;
  std::size_t budget_;
  std::size_t used_ = 0;
};

// The cause of `v` in the state `state_id` of `explorer`'s trace.
Cause find_cause(Explorer& explorer, const OpPaths& paths, Checker& checker, const RunHistory* history,
                 const std::string& state_id, const Violation& v, std::size_t budget);

}  // namespace crashfs
