// Explorer: the crash states of one trace, explored under persistence models
// or rebuilt one at a time from a StateSpec.
//
// Exploring (explore()):
//   - crash points are every operation (mutation or durability record);
//   - at each point the model's space is counted; a point whose space is at
//     most `exhaustive_limit` (default 1024 = 2^10) is explored
//     exhaustively, any other with the model's bounded passes (window of
//     the last `window` unsynced operations) plus `samples` seeded random
//     states; see each model's header;
//   - --max-states is a hard limit on the states generated per model.  When
//     the planned total exceeds it, posix first spends the budget on single
//     deviations, so that every unsynced operation appears lost (and every
//     write torn and zeroed) at least once, at the crash points where that
//     matters most (see single_deviations in explorer.cpp), and
//     ext4-ordered on the crash cut before each unsynced metadata operation
//     at the last point before the journal commits it and each unsynced
//     write's data missing at the last point before it is synced
//     (ext4_single_deviations, at most half the budget);
//     the rest of the
//     budget limits every point to the same number q of states (the largest
//     q that fits), cutting each point's least important states first, and
//     when not even one state per point fits, evenly spaced points get one.
//     The summary says what was spent and skipped;
//   - states are deduplicated per model, across crash points, by structural
//     key (CrashWalk) within one promise epoch (ExploreOptions::epochs): the
//     first spec that reaches a state in an epoch names it (ids are stable
//     for the same trace, model and options) and the state is handed on
//     once per epoch, with the context of its earliest crash point there;
//   - --shard K/N: every shard generates and deduplicates everything (that is
//     cheap) but hands on only the distinct states whose key falls in its
//     shard, so N shards together hand on each distinct state exactly once,
//     with the same id as an unsharded run;
//   - deterministic: the random passes draw from (seed, model, point).
//
// For each distinct state in its shard, `on_state` gets an ExploredState:
// its id, model, crash point, what was lost, and lazily built views for the
// checkers (CheckContext).  The ExploredState and what it returns are valid
// during the callback; views are shared_ptrs and may be kept.
//
// Cost: generating a state is O(deviations x log n) and never touches file
// contents; views are built only when asked for (StateBuilder), hashes only
// when a checker lists entries.
//
// Not thread-safe: one Explorer per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base_content.h"
#include "core/build_plan.h"
#include "core/check_context.h"
#include "core/crash_walk.h"
#include "core/image_view.h"
#include "core/persistence_model.h"
#include "core/state_builder.h"
#include "core/state_spec.h"
#include "core/trace.h"
#include "core/trace_index.h"
#include "core/trace_versions.h"

namespace crashfs {

inline constexpr std::uint64_t kDefaultMaxStates = 1'000'000;

struct ExploreProgress {
  ModelKind model = ModelKind::kPosix;
  std::size_t points_done = 0;
  std::size_t points_total = 0;
  std::uint64_t generated = 0;
  std::uint64_t distinct = 0;
};

struct ExploreOptions {
  std::vector<ModelKind> models{ModelKind::kPosix};
  std::uint32_t sector = kDefaultSector;        // torn-write granularity (posix)
  std::uint64_t max_states = kDefaultMaxStates;  // generated states per model
  std::uint64_t exhaustive_limit = 1024;         // exhaustive when a point allows at most this many
  std::uint32_t window = 8;                      // bounded passes: last N unsynced operations
  std::uint32_t samples = 8;                     // bounded passes: random states per point
  std::uint64_t seed = 0;
  // Promise epochs, one per crash point (empty: one epoch).  A state met
  // again in a later epoch is handed on again: promises differ there, so
  // the same state must be judged with them (a state lost after an
  // acknowledgement is not excused by having been fine before it).
  std::vector<std::uint32_t> epochs;
  // Only crash points (operation indexes) in [first_point, last_point]
  // generate states (--from-mark / --to-mark); the operations before
  // first_point still apply to every state.  Explain re-explores just the
  // points a barrier it inserts or an fsync it removes can change.
  std::size_t first_point = 0;
  std::size_t last_point = SIZE_MAX;
  std::uint32_t shard = 0;   // 0-based shard index ...
  std::uint32_t shards = 1;  // ... of this many
  std::function<void(const ExploreProgress&)> progress;  // every few thousand points, and at the end
};

struct ModelSummary {
  ModelKind model = ModelKind::kPosix;
  std::uint64_t crash_points = 0;
  std::uint64_t exhaustive_points = 0;  // explored exhaustively
  std::uint64_t bounded_points = 0;     // explored with bounded passes
  std::uint64_t capped_points = 0;      // points that lost states to --max-states
  std::uint64_t skipped_points = 0;     // points the cap left without a state of the planned passes
  std::uint64_t per_point_cap = 0;      // the largest per-point quota under the cap (0: no cap was needed)
  std::uint64_t single_deviations = 0;         // states spent first on single deviations (posix, ext4-ordered; capped)
  std::uint64_t single_deviations_wanted = 0;  // ... of this many there were
  std::uint64_t deviating = 0;          // generated states with at least one lost, torn or zeroed operation
  bool could_deviate = false;           // some point has unsynced operations (a state could lose something)
  std::uint64_t planned = 0;            // states the points would generate uncapped
  std::uint64_t generated = 0;
  std::uint64_t distinct = 0;
  std::uint64_t emitted = 0;            // distinct states in this shard (handed to the callback)
};

struct ExploreSummary {
  std::vector<ModelSummary> models;
};

class Explorer;

class ExploredState {
 public:
  ModelKind model() const { return model_; }
  // Operation index and id of the crash point, and its seq (CheckContext::crash_point).
  std::size_t point() const { return point_; }
  OpId point_id() const;
  Seq crash_seq() const { return point_id().seq; }
  // Whether this point was explored exhaustively.
  bool exhaustive_point() const { return exhaustive_; }
  const StateKey& key() const { return key_; }
  const StateSpec& spec() const;
  const std::string& id() const;
  // "crash after #41 rename a.tmp -> a; lost #38 write a.tmp @0 +4096"
  std::string description() const;

  std::shared_ptr<const StateView> state() const;
  std::shared_ptr<const StateView> completed() const;
  std::shared_ptr<const StateView> acked() const;
  const VersionHistory& versions() const;
  // For a checker (without a history: the check runner adds it).  Valid
  // while this object lives.
  CheckContext context() const;

 private:
  friend class Explorer;
  ExploredState(Explorer& explorer, const CrashWalk& walk, const Candidate& candidate, ModelKind model,
                std::uint32_t sector, std::size_t point, bool exhaustive, const StateKey& key);

  Explorer* explorer_;
  const CrashWalk* walk_;
  const Candidate* candidate_;
  ModelKind model_;
  std::uint32_t sector_;
  std::size_t point_;
  bool exhaustive_;
  StateKey key_;
  mutable std::optional<StateSpec> spec_;
  mutable std::optional<std::string> id_;
  mutable std::shared_ptr<const StateView> state_, completed_, acked_;
};

using StateCallback = std::function<void(const ExploredState&)>;

class Explorer {
 public:
  // `trace` (and the bytes it views) and `base` must outlive the Explorer;
  // `base` may be null when no final tree is available (unchanged
  // pre-existing files then read as zeros; base_status() says so).
  Explorer(const Trace& trace, BaseContent* base);

  const Trace& trace() const { return *trace_; }
  const TraceIndex& index() const { return index_; }
  StateBuilder& builder() { return builder_; }

  ExploreSummary explore(const ExploreOptions& options, const StateCallback& on_state);

  // Every state `model` allows at crash point `point` (operation index):
  // exhaustively when the space is within options.exhaustive_limit, else the
  // bounded passes; no dedup and no cap.  For tests and the explain step.
  void for_each_state_at(ModelKind model, std::size_t point, const ExploreOptions& options,
                         const StateCallback& on_state);

  // Rebuilds the state `spec` names; refuses a spec its model does not allow.
  Status build(const StateSpec& spec, FsImage& out);
  Status view(const StateSpec& spec, std::shared_ptr<const StateView>& out);
  // The process-kill and synced-only states at crash point `point` (op index).
  std::shared_ptr<const StateView> completed(std::size_t point);
  std::shared_ptr<const StateView> acked(std::size_t point, std::optional<std::size_t> first_unsynced = std::nullopt);
  const TraceVersions& versions();
  // First failure reading unchanged pre-existing files (ok if none).
  const Status& base_status() const { return builder_.base().status(); }

  // "#41 rename a.tmp -> a" (paths as the program used them; `crashfs dump`
  // shows the process too).  Inserted barriers read "#41.1 (inserted) fsync ...".
  const std::string& describe_op(std::size_t op);
  // What a spec lost, in words.
  std::string describe(const StateSpec& spec);

 private:
  friend class ExploredState;
  void explore_model(const PersistenceModel& model, const ExploreOptions& options, const StateCallback& on_state,
                     ModelSummary& summary);
  StateSpec spec_of(const CrashWalk& walk, const Candidate& c, ModelKind model, std::uint32_t sector,
                    std::size_t point) const;
  BuildPlan plan_of(const CrashWalk& walk, const Candidate& c, ModelKind model, std::uint32_t sector,
                    std::size_t point) const;

  const Trace* trace_;
  TraceIndex index_;
  StateBuilder builder_;
  std::unique_ptr<TraceVersions> versions_;
  std::vector<std::string> op_text_;
  std::optional<std::size_t> completed_point_, acked_point_;
  std::shared_ptr<const StateView> completed_view_, acked_view_;
};

}  // namespace crashfs
