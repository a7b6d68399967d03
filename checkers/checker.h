// The Checker interface: decides whether one crash state is acceptable.
//
// Checkers are pure: they see read-only views and return violations; they
// never touch the real file system (the `cmd` checker is the exception and
// lives behind the same interface in cli/, where it may).
//
// A checker is given, for one crash point:
//   state      the crash state under test;
//   completed  the state a crash-free run had at the same crash point (every
//              completed operation, whole: the process-kill state).  What a
//              reader "should" see; used to tell silent corruption (bytes
//              that differ from what was written, undetectably) from a torn
//              tail the format detects;
//   acked      what the program was promised at the crash point: only what
//              completed durability operations covered (the synced-only
//              state).  Journal entries complete here must be present;
//   versions   which contents each path had at moments it was complete
//              (release, fsync or rename of its node) up to the crash point.
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

#include "core/state_view.h"

namespace crashfs {

class VersionHistory {
 public:
  virtual ~VersionHistory() = default;
  // True if `path` held exactly `hash` at some moment <= crash_point when its
  // content was complete (release, fsync or rename of its node).
  virtual bool was_complete(std::string_view path, const ContentHash& hash, Seq crash_point) const = 0;
};

struct CheckContext {
  const StateView& state;
  const StateView& completed;
  const StateView& acked;
  const VersionHistory& versions;
  Seq crash_point = 0;  // seq of the last operation before the crash
};

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
