// What the explorer hands to a checker for one crash state: the state and
// the views a verdict is measured against (checkers/checker.h says how
// checkers use them).
//
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
#pragma once

#include <string_view>

#include "core/content_hash.h"
#include "core/state_view.h"
#include "core/trace_record.h"

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

}  // namespace crashfs
