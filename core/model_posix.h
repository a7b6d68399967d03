// posix: the weakest model, what POSIX promises after a power loss (the
// default model for power loss).
//
// Rules at a crash point:
//   - durable operations (see model_synced_only.h) survive whole;
//   - each unsynced operation independently survives or not; an operation
//     whose target does not exist in the resulting state has no effect
//     (FsImage rules), so an entry change persists only through fsyncdir of
//     its parent directory (or by luck);
//   - an unsynced write may be torn at --sector granularity: any subset of
//     the sector-sized pieces it touches persists (its size change persists
//     with them);
//   - an unsynced write that grew its file may persist as the size change
//     alone: the grown region reads as zeros ("zeroed").
// Space: the product over unsynced operations of their variants (2 for
// most; for a write of s pieces 2^s, plus one if it grows its file).
//
// Bounded passes (when the space exceeds the limit), in this order, each
// over the last `window` unsynced operations, most recent first:
//   1. every operation whole (the process-kill state);
//   2. for each operation: omitted; zeroed (growing writes); its torn
//      variants (every proper subset of pieces for <= 4 pieces, else each
//      prefix, suffix and single missing piece);
//   3. for each file with several unsynced writes in the window: all of
//      them lost (zeroed, or omitted when they did not grow the file);
//   4. the prefixes of the unsynced operations that cut before the last
//      durable mutation (other prefixes equal an earlier crash point's
//      whole state): up to `window` of them, longest first;
//   5. `samples` random states: 1-8 random unsynced operations (from the
//      whole set, not only the window), each omitted, zeroed or torn.
#pragma once

#include "core/persistence_model.h"

namespace crashfs {

class PosixModel : public PersistenceModel {
 public:
  ModelKind kind() const override { return ModelKind::kPosix; }
  std::uint64_t space(const PointContext& ctx, std::uint64_t limit) const override;
  void exhaustive(const PointContext& ctx, const EmitFn& emit) const override;
  std::uint64_t bounded_count(const PointContext& ctx) const override;
  void bounded(const PointContext& ctx, const EmitFn& emit) const override;
};

}  // namespace crashfs
