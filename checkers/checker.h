// The Checker interface: decides whether one crash state is acceptable.
//
// Checkers are pure: they see read-only views and return violations; they
// never touch the real file system.  The few that must (cmd, dump) reach
// the host through checker_host.h.
//
// A checker is given, for one crash point, a CheckContext
// (core/check_context.h): the state, the crash-free state at the same
// point, the complete versions of each path, and the run's history with
// what the program acknowledged.  Most checkers are built on the one
// oracle of view_oracle.h (integrity, history, durability).
//
// Cost model: a checker caches verdicts per distinct file version (content
// hash plus whatever else its verdict depends on), so checking N states
// costs the number of distinct versions, not N times the number of files.
//
// Threads (--jobs): one checker object is used by one thread at a time.
// The check runner runs independent instances of a checker (made from the
// same spec) on several threads, each on its share of the states; so what
// check() finds must depend on the context alone, never on which states
// the instance saw before (caches and resumed work only save time).
// Checkers that run commands (runs_commands()) are not replicated: they
// run their commands at once themselves (check_batch).
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/check_context.h"
#include "core/state_view.h"

namespace crashfs {

struct Violation {
  std::string checker;  // e.g. "pyc", "journal:u32le"
  std::string path;
  std::uint64_t offset = 0;
  std::string reason;   // one line a person can act on
  // What kind of damage the reader would suffer: "silent-corruption",
  // "reader-crash", "lost-acked", "torn-undetectable", "bad-body", ...
  std::string grade;
  std::vector<Seq> ops;  // the operations whose bytes are involved
};

// What check() gave for one state of a batch: its violations, or what it
// threw (a harness error).
struct CheckResult {
  std::vector<Violation> violations;
  std::exception_ptr error;
};

class Checker {
 public:
  virtual ~Checker() = default;
  // Spec-style name, e.g. "pyc" or "journal:u32le".
  virtual std::string name() const = 0;
  // What it looks at, for messages ("files matching **/*.pyc"); empty for
  // checkers that judge every state whole.
  virtual std::string scope() const { return {}; }
  // How many units (files, databases) it has judged so far, over every
  // state it was given; nullopt for checkers that judge every state whole.
  // A run in which this stays 0 checked nothing (the glob matched nothing).
  virtual std::optional<std::uint64_t> units_judged() const { return std::nullopt; }
  // False only when no verdict of this checker can depend on the file at
  // `path` (any name a file had in the run): it never reads it.  Explain
  // does not test whether an fsync of such a file is needed.  True, the
  // default, for checkers that judge the whole state (cmd:, dump:).
  virtual bool reads(const std::string& path) { (void)path; return true; }
  // True for the checkers that run a command per state (cmd:, dump:): the
  // runner gives them whole batches and `jobs`, never other threads.
  virtual bool runs_commands() const { return false; }
  // Appends the violations of ctx.state to `out`.
  virtual void check(const CheckContext& ctx, std::vector<Violation>& out) = 0;
  // Checks the states of `ctxs` in order; out[i] (out is resized) is what
  // check(*ctxs[i]) would give after the states before it.  A checker whose
  // work on a state is mostly waiting for a process (cmd:) may run up to
  // `jobs` states at once; the verdicts are the same for every `jobs`.  The
  // default calls check() on each, one after the other.
  virtual void check_batch(const std::vector<const CheckContext*>& ctxs, unsigned jobs, std::vector<CheckResult>& out);
};

}  // namespace crashfs
