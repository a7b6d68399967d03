// Explain: turns the violations of a CheckReport into the handful of
// distinct bugs behind them, proposes the smallest barrier that removes
// each, verifies it on the same trace, and finds the recorded fsyncs that
// no checker needs.
//
// Cause (per violation, by re-checking neighbouring states): start from the
// state's spec and give back one deviation at a time (let an omitted, torn
// or zeroed operation persist whole); a deviation whose return makes the
// violation disappear is part of the cause, the others are dropped.  Then
// find the operation that exposes it: the latest persisted mutation before
// the crash point whose omission also removes the violation (a rename over
// the file, the header write of an in-place pyc).  Kind:
//   atomicity    a torn write is in the cause (one operation persisted in
//                part), or nothing was lost at all (the program itself left
//                a partial entry: a process-kill state);
//   ordering     an operation persisted while an earlier one did not;
//   durability   something acknowledged by a completed fsync is missing.
// Violations with the same checker, path (digits in names folded: temporary
// names), kind, grade and cause operations (type and path) form one group.
//
// Fix (per group with a cause that a barrier can order): fsync of the file
// after its last write before the exposing operation, or fsync of the parent
// directory after an entry change.  Verified by re-exploring the trace with
// the barrier inserted (Trace::with_barrier): reported verified only if the
// group disappears and no new group appears.
//
// Unneeded fsyncs: every recorded fsync / fdatasync / fsyncdir, latest
// first, is removed (cumulatively, Trace::without_op) and the trace
// re-explored; when every checker still passes in every state it is not
// needed for these checkers.  Throughout, what the program was promised
// (the acked views) comes from the original trace: removing an fsync does
// not remove the promise the program made after it.
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
  std::string role;  // "torn", "lost", "zeroed", "persisted (exposes it)", "written"
};

struct Fix {
  RecordType barrier = RecordType::kFsync;  // kFsync, kFdatasync or kFsyncdir
  NodeId node = 0;
  std::string path;  // of the file or directory to sync
  Seq after_op = 0;  // insert after this operation ...
  Seq before_op = 0; // ... and before this one (0: before the crash)
  bool verified = false;
  std::uint64_t violations_removed = 0;
  std::uint64_t violations_after = 0;  // every violation left with the barrier in place
  std::string text;  // "add fsync(x.tmp) after op #41 (write) before op #43 (rename)"
};

struct ViolationGroup {
  std::string checker, path, grade, reason;
  CauseKind kind = CauseKind::kAtomicity;
  std::vector<ModelKind> models;
  std::uint64_t violations = 0;  // kept violations in the group
  std::uint64_t states = 0;
  std::string example_state;     // id of one state, for `crashfs replay`
  std::string explanation;       // one paragraph
  std::vector<OpDescription> ops;
  std::optional<Fix> fix;
  std::string no_fix_reason;     // when !fix
};

struct DurabilityVerdict {
  Seq seq = 0;
  std::string op;           // description of the fsync
  bool needed = true;
  std::string needed_by;    // when needed: "journal:u32le: lost-acked in data.log"
};

struct Explanation {
  std::vector<ViolationGroup> groups;          // most important first
  std::vector<DurabilityVerdict> durability;   // every recorded fsync, in trace order
  bool fsyncs_analyzed = false;
  std::string fsyncs_skipped_reason;
};

struct ExplainOptions {
  CheckOptions check;                // the options the report was made with
  std::size_t max_groups = 20;       // explain and fix at most this many groups
  std::size_t max_cause_checks = 64; // re-checks per violation
  std::size_t max_fsync_checks = 64; // recorded fsyncs to test for need
  std::function<void(const std::string&)> progress;  // one line per step; may be empty
};

// One operation as the program did it, by seq ("#41 python3[12/12] write a @0 +4096").
std::string describe_seq(Explorer& explorer, Seq seq);

// `base` is what `explorer` was built with (re-explorations need it).
Explanation explain(Explorer& explorer, BaseContent* base, const std::vector<Checker*>& checkers,
                    const CheckReport& report, const ExplainOptions& options);

}  // namespace crashfs
