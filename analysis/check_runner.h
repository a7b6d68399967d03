// CheckRunner: explores a trace and hands every distinct crash state to the
// checkers; collects the violations and the per model x checker verdicts.
//
// Pure: the checkers and the Explorer (over a trace and a BaseContent) are
// given.  Each checker caches its verdicts per distinct file version, so the
// cost grows with distinct versions, not states x files.
//
// Every state is judged against the run's history (RunHistory: what the
// crash-free run passed through and what the program acknowledged; see
// checkers/view_oracle.h), at the moment of its crash point.  When the
// trace explored is a variant of the run's own (explain inserts or removes
// a barrier), the moment is the run's: a crash after a variant's operation
// stands for a crash anywhere before its next one, so it is judged with the
// promises the run had made by then (an fsync removed still counts as
// promised).
//
// Inconclusive: a run that checked nothing is not clean.  The report says
// why (inconclusive) when no state was checked, when a checker that looks
// for files judged none in any state (its glob matched nothing; the reason
// lists files the workload wrote), or when --max-states cut a power-loss
// model down to states without a single lost or torn operation.
//
// Memory stays bounded on huge explorations: every violation is counted,
// but only the first `keep_per_cell` of each model x checker are kept with
// their state (the rest are summarized by count).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
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
  std::string inconclusive;  // why nothing was really checked here (empty: it was)
};

// Every violation of one shape (analysis/explain_shape.h: checker, grade,
// shape of the path or message), also those past keep_per_cell: explain
// groups and verifies with these, not only with the kept ones.
struct ShapeTally {
  std::uint64_t violations = 0;
  std::uint64_t states = 0;
  std::set<ModelKind> models;
  std::set<std::string> paths;             // distinct paths (at most 10000)
  std::map<std::pair<ModelKind, OpId>, std::uint64_t> points;  // violations per model and crash point
  StateViolation example;                  // the first one
};

struct CheckReport {
  ExploreSummary summary;
  std::map<ModelKind, std::uint64_t> states_checked;
  // (model, checker name) -> verdict; every pair that ran is present.
  std::map<std::pair<ModelKind, std::string>, CellVerdict> cells;
  std::vector<StateViolation> violations;  // kept ones, in exploration order
  std::uint64_t total_violations = 0;
  std::map<std::string, ShapeTally> shapes;  // every violation, by shape
  std::vector<std::string> harness_errors;  // checker failures (not program bugs)
  std::vector<std::string> inconclusive;    // why the run checked less than it claims to

  bool clean() const { return total_violations == 0; }
};

// How far a run_checks has got (CheckOptions::progress).
struct CheckProgress {
  ModelKind model = ModelKind::kPosix;
  std::size_t points_done = 0;   // crash points of `model` passed (the last state's point + 1)
  std::size_t points_total = 0;  // crash points of the trace
  std::uint64_t checked = 0;     // states checked so far, every model
};

struct CheckOptions {
  ExploreOptions explore;
  std::uint64_t keep_per_cell = 1000;
  // The run's history and acknowledgements (a TraceHistory of the run's own
  // explorer).  Null: a history of the explored trace without
  // acknowledgements is made for the run.  Explain passes the original
  // run's history when it re-explores variants of its trace.
  const RunHistory* history = nullptr;
  // Called after each checked state (progress bars); may be empty.  Set, it
  // makes the states be checked one at a time, as they are explored.
  std::function<void(const ExploredState&, const CheckReport&)> on_checked;
  // Threads (--jobs N): the explored states are gathered in batches.  With
  // N > 1, the in-process checkers check a batch on N threads of their own
  // while this thread explores and builds the next one (one batch in
  // flight: results are recorded in exploration order), so exploring,
  // building and recording overlap with checking.  Thread w checks the w-th
  // share of each batch (a run of consecutive states, the same position in
  // every batch, so an instance resumes from states close to its last) with
  // checkers[i] (w = 0) or replicas[w - 1][i]: N - 1 rows of replicas.  A
  // checker without an instance on every thread, and every checker that
  // runs commands (cmd:, dump:), gets whole batches on this thread instead,
  // with `jobs` (they run that many commands at once).  The report is the
  // same for every N.
  unsigned jobs = 1;
  std::vector<std::vector<Checker*>> replicas;
  // Called after each state or batch of states checked; may be empty.
  std::function<void(const CheckProgress&)> progress;
};

// Explores `explorer`'s trace under options.explore.models and checks every
// distinct state with every checker.
CheckReport run_checks(Explorer& explorer, const std::vector<Checker*>& checkers, const CheckOptions& options);

// Checks one state (rebuilt from its spec) with the given checkers, judged
// against `history` (null: the explored trace's, without acknowledgements).
Status check_state(Explorer& explorer, const StateSpec& spec, const std::vector<Checker*>& checkers,
                   const RunHistory* history, std::vector<Violation>& out);

}  // namespace crashfs
