// The Checker interface: decides whether one crash state is acceptable.
//
// Checkers are pure: they see read-only views and return violations; they
// never touch the real file system.  The few that must (sqlite, cmd) reach
// the host through checker_host.h.
//
// A checker is given, for one crash point, a CheckContext
// (core/check_context.h): the state, the crash-free state at the same
// point, what was acknowledged, and the complete versions of each path.
//
// Cost model: a checker caches verdicts per distinct file version (content
// hash plus whatever else its verdict depends on), so checking N states
// costs the number of distinct versions, not N times the number of files.
#pragma once

#include <cstdint>
#include <memory>
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

class Checker {
 public:
  virtual ~Checker() = default;
  // Spec-style name, e.g. "pyc" or "journal:u32le".
  virtual std::string name() const = 0;
  // Appends the violations of ctx.state to `out`.
  virtual void check(const CheckContext& ctx, std::vector<Violation>& out) = 0;
};

}  // namespace crashfs
