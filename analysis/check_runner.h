// CheckRunner: explores a trace and hands every distinct crash state to the
// checkers; collects the violations and the per model x checker verdicts.
//
// Pure: the checkers and the Explorer (over a trace and a BaseContent) are
// given.  Each checker caches its verdicts per distinct file version, so the
// cost grows with distinct versions, not states x files.
//
// Memory stays bounded on huge explorations: every violation is counted,
// but only the first `keep_per_cell` of each model x checker are kept with
// their state (the rest are summarized by count).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "checkers/checker.h"
#include "core/explorer.h"

namespace crashfs {

// One violation in one crash state.
struct StateViolation {
  Violation violation;
  ModelKind model = ModelKind::kPosix;
  std::string state_id;
  OpId point;
  std::string state_description;  // what the crash lost or tore
};

// Verdict of one checker under one model.
struct CellVerdict {
  std::uint64_t states_checked = 0;
  std::uint64_t violating_states = 0;
  std::uint64_t violations = 0;
};

struct CheckReport {
  ExploreSummary summary;
  std::map<ModelKind, std::uint64_t> states_checked;
  // (model, checker name) -> verdict; every pair that ran is present.
  std::map<std::pair<ModelKind, std::string>, CellVerdict> cells;
  std::vector<StateViolation> violations;  // kept ones, in exploration order
  std::uint64_t total_violations = 0;
  std::vector<std::string> harness_errors;  // checker failures (not program bugs)

  bool clean() const { return total_violations == 0; }
};

struct CheckOptions {
  ExploreOptions explore;
  std::uint64_t keep_per_cell = 1000;
  // When set, each state's acked view (what the program was promised) comes
  // from this explorer's trace at the same crash point instead: used when
  // re-exploring a trace with an fsync added or removed, whose promises are
  // still those of the original run.
  Explorer* promises = nullptr;
  // Called after each checked state (progress bars); may be empty.
  std::function<void(const ExploredState&, const CheckReport&)> on_checked;
};

// Explores `explorer`'s trace under options.explore.models and checks every
// distinct state with every checker.
CheckReport run_checks(Explorer& explorer, const std::vector<Checker*>& checkers, const CheckOptions& options);

// Checks one state (rebuilt from its spec) with the given checkers.
Status check_state(Explorer& explorer, const StateSpec& spec, const std::vector<Checker*>& checkers,
                   std::vector<Violation>& out);

}  // namespace crashfs
