// ext4-ordered: ext4 with data=ordered and delayed allocation, as seen by
// applications: metadata is journaled in program order, file data is not.
//
// Rules at a crash point:
//   - metadata operations (entry changes, truncate, fallocate, attributes,
//     and writes that grow their file, for the size change) persist in
//     program order: a prefix of them, which includes every metadata
//     operation up to the last durable one (an fsync commits the journal,
//     earlier metadata included);
//   - the data of an unsynced write may be missing: a write whose size
//     change persisted then reads as zeros in the grown region (the classic
//     zero-length or zero-filled file after rename), a write that did not
//     grow its file leaves the old bytes;
//   - writes are not torn;
//   - durable operations survive whole.
// Every ext4-ordered state is a posix state, and the process-kill state is
// one of them.
//
// Bounded passes, over the last `window` operations, most recent first:
//   1. every operation whole;
//   2. for each w < window: the crash cut before the w-th last unsynced
//      metadata operation (that one and every unsynced operation after it
//      lost), and the data of the w-th last unsynced write missing;
//   3. for each file with several unsynced writes in the window: all their
//      data missing;
//   4. `samples` random states: a random cut and 1-8 random writes' data
//      missing.
#pragma once

#include "core/persistence_model.h"

namespace crashfs {

class Ext4OrderedModel : public PersistenceModel {
 public:
  ModelKind kind() const override { return ModelKind::kExt4Ordered; }
  std::uint64_t space(const PointContext& ctx, std::uint64_t limit) const override;
  void exhaustive(const PointContext& ctx, const EmitFn& emit) const override;
  std::uint64_t bounded_count(const PointContext& ctx) const override;
  void bounded(const PointContext& ctx, const EmitFn& emit) const override;
};

}  // namespace crashfs
