// StateBuilder: builds the FsImage of any crash state of one trace, reusing
// earlier work.
//
//   process_kill(i)  the image after every operation up to i.  Images for
//                    successive points are kept (they share structure), so
//                    each costs the size of one operation's change.
//   build(plan)      a crash state: starts from the process-kill image just
//                    before the plan's first deviation and applies the rest
//                    with their Persisted variants, so a state that differs
//                    in the last few operations costs those operations.
//                    Synced-only states (every unsynced operation lost) also
//                    resume from the previous synced-only build, up to the
//                    first operation whose durability differs, so walking
//                    the crash points in order stays linear in practice.
//
// Memory: O(total size of the changes) for the kept images, never
// states x trace size.  Not thread-safe, with one exception: once every
// process-kill image is built (final_image()), process_kill() and view()
// only read, and other threads may call them while one thread builds.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "core/base_content.h"
#include "core/base_store.h"
#include "core/build_plan.h"
#include "core/fs_image.h"
#include "core/image_view.h"
#include "core/trace_index.h"

namespace crashfs {

class StateBuilder {
 public:
  // `base` may be null (no final tree available); see BaseStore.
  StateBuilder(const TraceIndex& index, BaseContent* base);

  const TraceIndex& index() const { return *index_; }
  const FsImage& initial() const { return initial_; }
  const FsImage& process_kill(std::size_t point);
  FsImage build(const BuildPlan& plan);
  // The synced-only state at `point`.  `first_unsynced` (the first mutation
  // not durable at `point`, if the caller knows it, e.g. from a CrashWalk)
  // saves a scan.
  FsImage synced_only(std::size_t point, std::optional<std::size_t> first_unsynced = std::nullopt);
  // The image after the whole trace.
  const FsImage& final_image() { return process_kill(index_->size() - 1); }
  // A view over `image` reading base content through this builder's store.
  std::shared_ptr<const ImageView> view(FsImage image) const;
  const BaseStore& base() const { return *base_; }

 private:

  const TraceIndex* index_;
  FsImage initial_;
  std::vector<FsImage> pk_;  // pk_[k]: after operation k
  std::unique_ptr<BaseStore> base_;

  // The last synced-only build: trail_[k] is its image after operation k,
  // for k in [trail_start_, trail_point_].
  std::vector<FsImage> trail_;
  std::size_t trail_start_ = 0;
  std::optional<std::size_t> trail_point_;
};

}  // namespace crashfs
