// BuildPlan: a StateSpec resolved against a trace: for every mutation up to
// the crash point, how it persisted (Persisted).  plan_state() also checks
// the spec against its model's rules (state_spec.h, and each model's
// header), so an id that no exploration could produce is refused with a
// message naming the offending operation.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/fs_image.h"
#include "core/state_spec.h"
#include "core/status.h"
#include "core/trace_index.h"

namespace crashfs {

struct BuildPlan {
  std::size_t point = 0;       // operation index of the crash point
  bool omit_unsynced = false;  // every unsynced mutation is lost (synced-only)
  // Unsynced mutations that did not persist whole, ascending by index.
  std::vector<std::pair<std::uint32_t, Persisted>> exceptions;

  // How mutation `op` (<= point) persisted.
  const Persisted& how(const TraceIndex& index, std::size_t op) const;
  // The first operation that did not persist whole (point + 1 if none).
  std::size_t first_deviation(const TraceIndex& index) const;
};

// Resolves and checks `spec`.  Errors are kInvalidArgument.
Status plan_state(const TraceIndex& index, const StateSpec& spec, BuildPlan& out);

// For ext4-ordered: the index of the last durable metadata operation at
// `point`, or -1.  Unsynced metadata operations after it may be lost, in
// program order (a suffix); those before it persist.
std::ptrdiff_t ext4_metadata_floor(const TraceIndex& index, std::size_t point);

}  // namespace crashfs
