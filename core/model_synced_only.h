// synced-only: power loss on a file system that keeps exactly what
// durability operations covered and nothing else.
//
// Rules (coverage as in TraceIndex):
//   - fsync(N) covers N's data, size and attributes changed before it;
//   - fdatasync(N) covers N's data and size;
//   - a write on an O_SYNC / O_DSYNC handle is durable at once;
//   - fsyncdir(D) covers the entry changes in D before it (create, mkdir,
//     mknod, symlink, link, unlink, rmdir, rename); a rename between two
//     directories needs both.
// Every unsynced operation is lost.  One state per crash point: what the
// program was promised there (CheckContext::acked).  Note that fsync of a
// new file does not make its name durable: without fsyncdir of its parent
// the file is absent.  Its id is "synced-only@<point>".
#pragma once

#include "core/persistence_model.h"

namespace crashfs {

class SyncedOnlyModel : public PersistenceModel {
 public:
  ModelKind kind() const override { return ModelKind::kSyncedOnly; }
  std::uint64_t space(const PointContext&, std::uint64_t) const override { return 1; }
  void exhaustive(const PointContext& ctx, const EmitFn& emit) const override { bounded(ctx, emit); }
  std::uint64_t bounded_count(const PointContext&) const override { return 1; }
  void bounded(const PointContext& ctx, const EmitFn& emit) const override {
    Candidate c;
    const OpSet& unsynced = ctx.walk.unsynced();
    if (!unsynced.empty()) c.omit(unsynced.first(), unsynced.last());
    emit(c);
  }
};

}  // namespace crashfs
