// Fixes: where the barriers of a cause go, how a barrier of one instance
// generalizes to every instance of the same pattern in the trace, and the
// remedy when no barrier can help.
//
// Placement (per cause operation c that must not be overtaken):
//   before  the first operation after c that persisted although c did not:
//           an exposing operation, or a later cause operation on another
//           file (a torn data write after a lost log record), or the
//           acknowledging fsync (durability); none: before the crash;
//   barrier on a file: fdatasync when what is not yet durable of it are
//           overwrites in place (only its data orders), fsync when its size
//           or metadata matter; after c's file's last change before
//           `before`;  on an entry change: fsyncdir of the directory it
//           changes (both directories of a rename between two), after the
//           last entry change in it before `before`.
// So every barrier reads forward: after < before.
//
// Pattern.  A barrier placed for one instance is stated as a rule relative
// to the `before` operation (its type and the shape of its paths) and the
// barrier's target (the same node, the other node with the same path shape,
// the directory it changes), and applied at every operation of that type and
// shape in the trace where the target is not already durable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/explain_cause.h"
#include "core/trace_index.h"

namespace crashfs {

struct PlacedBarrier {
  RecordType type = RecordType::kFsync;
  NodeId node = 0;
  std::size_t after = 0;               // op index
  std::optional<std::size_t> before;   // op index; none: before the crash
  bool operator==(const PlacedBarrier& o) const { return type == o.type && node == o.node && after == o.after; }
};

// The barriers the cause of one instance needs (empty: none can order it).
std::vector<PlacedBarrier> place_barriers(const Trace& trace, const TraceIndex& index, const Cause& cause);

// Every instance of `b`'s pattern in the trace (b itself included), and the
// rule in words ("fsync each <file>.# after its last write before its rename").
std::vector<PlacedBarrier> pattern_instances(const Trace& trace, const TraceIndex& index, const OpPaths& paths,
                                             const PlacedBarrier& b, const std::string& file, std::string& rule);

// The trace with every barrier inserted.
Trace with_barriers(const Trace& trace, std::vector<PlacedBarrier> barriers);

// The barrier in words, with paths as the program named them.
Barrier describe_barrier(const Trace& trace, const PlacedBarrier& b);

// What the program must do instead when no barrier fixes the group about
// `file` (node `node` at the end of the trace; 0 if unknown).
std::string remedy_for(const Trace& trace, const TraceIndex& index, NodeId node, const std::string& file,
                       bool own_writes);

}  // namespace crashfs
