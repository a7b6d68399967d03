// Explain: turns the violations of a CheckReport into the handful of
// distinct bugs behind them, proposes the barriers that remove each,
// verifies them on the same trace, and finds the recorded fsyncs that no
// checker needs.
//
// Cause (explain_cause.h): the minimal set of deviations of a violating
// state (lost, torn, zeroed operations) that the same-grade violation needs,
// and the exposing operations: operations that persisted although they come
// after a cause operation in program order, on any file or directory.
// Kind:
//   atomicity    the program's own writes left the state (nothing was lost
//                to the crash: a process kill), or one operation persisted
//                in part (torn, or grown and zeroed) with nothing lost;
//   ordering     a cause operation was lost while a later one persisted
//                (an exposing operation, or a later cause operation that
//                persisted in part);
//   durability   a cause operation was lost and nothing later exposes it
//                (something promised, or expected, is missing).
//
// Groups (explain.cpp): violations with the same checker, grade, shape of
// the file (explain_shape.h; cmd:/dump: by the shape of their message) and
// shape of the cause (operation types, their order, the roles of the
// paths) are one bug.  Every violation of the run is counted in a group
// (CheckReport::shapes tallies those past --keep too).
//
// Fix (explain_fix.h): per group, the barriers that order its cause: on a
// file, fdatasync when only its data orders (overwrites in place), fsync
// when its size or metadata matter, placed after the cause's last change of
// that file and before the first operation that must not overtake it; an
// fsyncdir after the last entry change in the directory before the exposing
// operation.  When one barrier does not remove the group, the barriers the
// remaining violations need are added and the set verified together.  A
// fix is stated once for the pattern and verified by inserting it at every
// instance in the trace and re-exploring (bounded: only the crash points at
// and after the first barrier; the rest keep their verdicts).  When no
// barrier can remove a group (the program's own intermediate states), the
// group says so and names the remedy.
//
// Unneeded fsyncs (explain_need.h): every recorded fsync / fdatasync /
// fsyncdir, latest first, removed cumulatively; each crash point it can
// change is judged with its own promise (no state folded into an earlier
// point's), the original trace's acknowledgements in force.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/check_runner.h"

namespace crashfs {

enum class CauseKind : std::uint8_t { kAtomicity, kOrdering, kDurability };
std::string_view to_string(CauseKind kind);

// One operation as the program did it.
struct OpDescription {
  Seq seq = 0;
  std::string text;  // "#41 python3[12/12] write __pycache__/m.pyc.12 @0 +4096"
  std::string role;  // "lost", "torn", "zeroed (...)", "persisted (exposes it)", "written"
  std::string path_role;  // "<file>.#" (a temporary name of the file), "<dir>", "*.log"
};

// One barrier at one place.
struct Barrier {
  RecordType barrier = RecordType::kFsync;  // kFsync, kFdatasync or kFsyncdir
  NodeId node = 0;
  std::string path;   // of the file or directory to sync
  Seq after_op = 0;   // insert after this operation ...
  Seq before_op = 0;  // ... and before this one (0: before the crash); after_op < before_op
  std::string text;   // "add fsync(x.tmp) after op #41 (write) before op #43 (rename)"
};

// The fix of a group: the barriers of its example instance (the first is
// also this struct's own Barrier fields), stated once for the pattern and
// verified at every instance together.
struct Fix : Barrier {
  std::vector<Barrier> set;      // every barrier of the example instance, set[0] == the Barrier fields
  std::string pattern;           // the rule for every instance ("fsync each <file>.# after its last write before its rename")
  std::uint64_t instances = 1;   // barriers inserted into the trace to verify it
  std::vector<Barrier> everywhere;  // those barriers (the set at every instance of the pattern)
  bool verified = false;
  std::uint64_t violations_removed = 0;
  std::uint64_t violations_after = 0;  // every violation left with the barriers in place
  std::string verification;      // what the re-exploration showed
};

struct ViolationGroup {
  std::string checker, path, grade, reason;
  CauseKind kind = CauseKind::kAtomicity;
  std::vector<ModelKind> models;
  std::uint64_t violations = 0;  // every violation in the group (also those past --keep)
  std::uint64_t states = 0;
  std::uint64_t files = 0;       // distinct paths among them
  std::string example_state;     // id of one state, for `crashfs replay`
  std::string explanation;       // one paragraph
  std::string shape;             // the cause's shape (what the group is keyed by)
  std::vector<OpDescription> ops;       // cause operations with their roles, then the exposing ones
  std::optional<Fix> fix;
  std::string no_fix_reason;     // when !fix or !fix->verified
  std::string remedy;            // when no barrier fixes it: what does
};

struct DurabilityVerdict {
  Seq seq = 0;
  std::string op;           // description of the fsync
  bool needed = true;
  std::string needed_by;    // when needed: "journal:u32le: lost-acked in data.log"
  std::string why_not;      // when not needed without re-exploring: why
};

struct Explanation {
  std::vector<ViolationGroup> groups;          // most important first
  std::vector<DurabilityVerdict> durability;   // every recorded fsync, in trace order
  bool fsyncs_analyzed = false;
  std::string fsyncs_skipped_reason;
  std::uint64_t states_rechecked = 0;          // work done (re-explorations and re-checks)
};

struct ExplainOptions {
  CheckOptions check;                // the options the report was made with
  std::size_t max_groups = 20;       // explain and fix at most this many groups
  std::size_t max_cause_checks = 64; // re-checks per violation
  std::size_t max_fsync_checks = 64; // recorded fsyncs to test for need
  std::size_t examples_per_shape = 3;  // violations explained per violation shape
  std::function<void(const std::string&)> progress;  // one line per step; may be empty
};

// One operation as the program did it, by seq ("#41 python3[12/12] write a @0 +4096").
std::string describe_seq(Explorer& explorer, Seq seq);

// `base` is what `explorer` was built with (re-explorations need it).
Explanation explain(Explorer& explorer, BaseContent* base, const std::vector<Checker*>& checkers,
                    const CheckReport& report, const ExplainOptions& options);

}  // namespace crashfs
