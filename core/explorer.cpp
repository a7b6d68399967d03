#include "core/explorer.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "core/key_set.h"
#include "core/path_tracker.h"
#include "core/record_format.h"

namespace crashfs {
namespace {

std::uint64_t point_seed(std::uint64_t seed, ModelKind model, std::size_t point) {
  Rng rng(seed ^ (static_cast<std::uint64_t>(model) << 56) ^ (static_cast<std::uint64_t>(point) * 0x9e3779b97f4a7c15ull));
  return rng.next();
}

// The largest per-point cap q with sum(min(planned_i, q)) <= budget (at
// least 1), or 0 when no cap is needed.
std::uint64_t water_fill(const std::vector<std::uint64_t>& planned, std::uint64_t budget) {
  std::uint64_t total = 0;
  std::uint64_t biggest = 0;
  for (std::uint64_t p : planned) {
    total = sat_add(total, p);
    biggest = std::max(biggest, p);
  }
  if (total <= budget) return 0;
  auto fits = [&](std::uint64_t q) {
    std::uint64_t sum = 0;
    for (std::uint64_t p : planned) {
      sum = sat_add(sum, std::min(p, q));
      if (sum > budget) return false;
    }
    return true;
  };
  std::uint64_t lo = 1, hi = biggest;  // fits(lo) assumed; answer in [lo, hi)
  while (lo + 1 < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

StateKey key_of(const CrashWalk& walk, const Candidate& c) {
  StateKey key = walk.whole_key();
  for (const Deviation& d : c.deviations) {
    switch (d.kind) {
      case Deviation::Kind::kOmit:
        key = key ^ walk.omitted_key(d.first, d.last);
        break;
      case Deviation::Kind::kZeroed:
        key = key ^ CrashWalk::op_key(d.first) ^ CrashWalk::zeroed_key(d.first);
        break;
      case Deviation::Kind::kTorn:
        key = key ^ CrashWalk::op_key(d.first) ^ CrashWalk::torn_key(d.first, d.kept);
        break;
    }
  }
  return key;
}

}  // namespace

// ---- ExploredState ----

ExploredState::ExploredState(Explorer& explorer, const CrashWalk& walk, const Candidate& candidate, ModelKind model,
                             std::uint32_t sector, std::size_t point, bool exhaustive, const StateKey& key)
    : explorer_(&explorer),
      walk_(&walk),
      candidate_(&candidate),
      model_(model),
      sector_(sector),
      point_(point),
      exhaustive_(exhaustive),
      key_(key) {}

OpId ExploredState::point_id() const { return explorer_->trace().op_id(point_); }

const StateSpec& ExploredState::spec() const {
  if (!spec_) spec_ = explorer_->spec_of(*walk_, *candidate_, model_, sector_, point_);
  return *spec_;
}

const std::string& ExploredState::id() const {
  if (!id_) id_ = spec().id();
  return *id_;
}

std::string ExploredState::description() const { return explorer_->describe(spec()); }

std::shared_ptr<const StateView> ExploredState::state() const {
  if (!state_) {
    if (model_ == ModelKind::kProcessKill) {
      state_ = completed();
    } else if (model_ == ModelKind::kSyncedOnly) {
      state_ = acked();
    } else {
      const BuildPlan plan = explorer_->plan_of(*walk_, *candidate_, model_, sector_, point_);
      state_ = explorer_->builder_.view(explorer_->builder_.build(plan));
    }
  }
  return state_;
}

std::shared_ptr<const StateView> ExploredState::completed() const {
  if (!completed_) completed_ = explorer_->completed(point_);
  return completed_;
}

std::shared_ptr<const StateView> ExploredState::acked() const {
  if (!acked_) {
    const OpSet& unsynced = walk_->unsynced();
    acked_ = explorer_->acked(point_, unsynced.empty() ? point_ + 1 : unsynced.first());
  }
  return acked_;
}

const VersionHistory& ExploredState::versions() const { return explorer_->versions(); }

CheckContext ExploredState::context() const {
  return CheckContext{*state(), *completed(), versions(), crash_seq(), nullptr, point_ + 1, id()};
}

// ---- Explorer ----

Explorer::Explorer(const Trace& trace, BaseContent* base) : trace_(&trace), index_(trace), builder_(index_, base) {}

ExploreSummary Explorer::explore(const ExploreOptions& options, const StateCallback& on_state) {
  ExploreSummary summary;
  for (ModelKind kind : options.models) {
    ModelSummary s;
    s.model = kind;
    explore_model(*make_model(kind), options, on_state, s);
    summary.models.push_back(s);
  }
  return summary;
}

namespace {

// One single deviation: a candidate at a crash point.
struct PointedCandidate {
  std::size_t point;
  Candidate c;
};

// Hands out the candidates of every operation round-robin (per operation,
// most important first) into `at` per point, at most `budget` of them.
void take_round_robin(std::vector<std::vector<PointedCandidate>>& per_op, std::uint64_t budget,
                      std::vector<std::vector<Candidate>>& at) {
  std::uint64_t taken = 0;
  for (std::size_t round = 0; taken < budget; ++round) {
    bool any = false;
    for (auto& items : per_op) {
      if (round >= items.size()) continue;
      any = true;
      at[items[round].point].push_back(std::move(items[round].c));
      if (++taken == budget) break;
    }
    if (!any) break;
  }
}

// The single deviations a capped power-loss exploration spends its budget
// on first (see ExploreOptions::max_states): for each unsynced mutation k,
// the crash points where losing it alone matters most:
//   - the last point before a durability operation covers it (everything
//     the program did meanwhile persisted, k did not);
//   - the last point before the next operation on the same node (or on the
//     node it replaced), while nothing has superseded k yet;
//   - the end of the trace, when k is never covered;
// k lost at each, and for writes, at the first, k torn (its first piece
// only) and zeroed (growing writes).  A point right after k is no target:
// losing the last operation gives an earlier point's whole state.  Round-robin over k, most important
// target first, so a budget too small for all still covers every k once.
std::vector<std::vector<Candidate>> single_deviations(const TraceIndex& index, std::uint32_t sector,
                                                      std::uint64_t budget, std::uint64_t& wanted) {
  const std::size_t n = index.size();
  std::vector<std::vector<Candidate>> at(n);
  wanted = 0;
  if (n == 0 || budget == 0) return at;
  // Next operation touching each operation's nodes.
  std::vector<std::size_t> next_touch(n, n);
  {
    std::unordered_map<NodeId, std::size_t> seen_next;
    for (std::size_t k = n; k-- > 0;) {
      const Record& r = index.record(k);
      std::size_t next = n;
      for (NodeId node : {r.node, r.victim}) {
        if (node == 0) continue;
        if (auto it = seen_next.find(node); it != seen_next.end()) next = std::min(next, it->second);
      }
      next_touch[k] = next;
      for (NodeId node : {r.node, r.victim})
        if (node != 0) seen_next[node] = k;
    }
  }
  std::vector<std::vector<PointedCandidate>> per_op;  // per unsynced mutation, in importance order
  for (std::size_t k = 0; k < n; ++k) {
    if (!index.is_mutation(k)) continue;
    const OpFacts& f = index.facts(k);
    if (f.durable_at == k) continue;  // durable at once (O_SYNC write)
    // Primary: just before it is covered (or the end); secondary: just
    // before the next operation on its node, when that is later still.
    const std::size_t covered = f.durable_at == kNever ? n : f.durable_at;
    const std::size_t primary = covered - 1;
    std::vector<PointedCandidate> items;
    items.push_back(PointedCandidate{primary, Candidate{}});
    items.back().c.omit(k, k);
    if (f.write) {
      const std::uint64_t pieces = index.pieces(k, sector);
      if (pieces >= 2) {
        items.push_back(PointedCandidate{primary, Candidate{}});
        items.back().c.tear(k, pieces_of_mask(1, std::min<std::uint64_t>(pieces, 62)));
      }
      if (f.growing) {
        items.push_back(PointedCandidate{primary, Candidate{}});
        items.back().c.zero(k);
      }
    }
    // Losing the last operation before a crash point equals an earlier
    // whole state: only a later point says something new.
    if (next_touch[k] > k + 1 && next_touch[k] - 1 < primary) {
      items.push_back(PointedCandidate{next_touch[k] - 1, Candidate{}});
      items.back().c.omit(k, k);
    }
    wanted += items.size();
    per_op.push_back(std::move(items));
  }
  take_round_robin(per_op, budget, at);
  return at;
}

// ext4-ordered's counterpart of single_deviations: its metadata persists
// as a prefix in program order and the data of a write may be missing
// until the write is synced, so the single deviations that matter most are,
// for each unsynced operation k:
//   - metadata: the crash cut just before k (k and every unsynced operation
//     after it lost), at the last point before the journal commits k
//     (floor[p] is the last durable metadata operation at point p,
//     non-decreasing) or at the end of the trace; a point right after k is
//     no target (the cut equals the earlier point's whole state);
//   - a write: its data missing (a grown file's new region zeroed, an
//     overwrite's old bytes kept) at the last point before it is synced,
//     or at the end, everything else whole.
// The bounded passes look only at the last few operations of each point; a
// capped run that water-fills the rest misses deviations far back (git's
// ref renamed long before a later fsync, a loose object whose data never
// reached the disk).  Round-robin over k, so a budget too small for all
// still covers every k once; they take at most half the budget, the
// bounded passes get the rest.
std::vector<std::vector<Candidate>> ext4_single_deviations(const TraceIndex& index,
                                                           const std::vector<std::ptrdiff_t>& floor,
                                                           std::uint64_t budget, std::uint64_t& wanted) {
  const std::size_t n = index.size();
  std::vector<std::vector<Candidate>> at(n);
  std::vector<std::vector<PointedCandidate>> per_op;
  wanted = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const OpFacts& f = index.facts(k);
    if (!index.is_mutation(k) || f.durable_at == k) continue;
    std::vector<PointedCandidate> items;
    if (f.metadata) {
      // First point whose floor reaches k: the journal has committed k there.
      const auto committed = std::lower_bound(floor.begin() + static_cast<std::ptrdiff_t>(k), floor.end(),
                                              static_cast<std::ptrdiff_t>(k));
      const std::size_t last = static_cast<std::size_t>(committed - floor.begin()) - 1;
      if (last > k) {
        items.push_back(PointedCandidate{last, Candidate{}});
        items.back().c.omit(k, last);
      }
    }
    if (f.write) {
      const std::size_t last = (f.durable_at == kNever ? n : f.durable_at) - 1;
      items.push_back(PointedCandidate{last, Candidate{}});
      if (f.growing) items.back().c.zero(k);
      else items.back().c.omit(k, k);
    }
    if (items.empty()) continue;
    wanted += items.size();
    per_op.push_back(std::move(items));
  }
  take_round_robin(per_op, budget / 2, at);
  return at;
}

// A hard per-point quota spending exactly `budget` states (fewer if the
// points plan fewer): water-filled, and when even one state per point does
// not fit, one state at evenly spaced points.
std::vector<std::uint64_t> fill_quotas(const std::vector<std::uint64_t>& planned, std::uint64_t budget) {
  std::vector<std::uint64_t> quota(planned.size(), 0);
  std::uint64_t nonzero = 0, total = 0;
  for (std::uint64_t p : planned) {
    nonzero += p > 0 ? 1 : 0;
    total = sat_add(total, p);
  }
  if (total <= budget) return planned;
  if (budget < nonzero) {
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < planned.size(); ++i) {
      if (planned[i] == 0) continue;
      // Point number `seen` of `nonzero` gets one state when the scaled
      // count steps up; the last planned point always does.
      if ((seen + 1) * budget / nonzero > seen * budget / nonzero) quota[i] = 1;
      ++seen;
    }
    return quota;
  }
  const std::uint64_t q = water_fill(planned, budget);
  for (std::size_t i = 0; i < planned.size(); ++i) quota[i] = std::min(planned[i], q);
  return quota;
}

}  // namespace

void Explorer::explore_model(const PersistenceModel& model, const ExploreOptions& options,
                             const StateCallback& on_state, ModelSummary& summary) {
  const std::size_t n = index_.size();
  const ModelKind kind = model.kind();
  const std::uint32_t sector = kind == ModelKind::kPosix ? options.sector : kDefaultSector;
  const auto in_range = [&](std::size_t i) { return i >= options.first_point && i <= options.last_point; };
  summary.crash_points = 0;
  for (std::size_t i = 0; i < n; ++i) summary.crash_points += in_range(i) ? 1 : 0;
  auto context = [&](const CrashWalk& walk) {
    return PointContext{index_, walk, sector, options.window, options.samples,
                        point_seed(options.seed, kind, walk.point())};
  };

  // Plan: how many states each point would generate.
  std::vector<std::uint64_t> planned(n);
  std::vector<bool> exhaustive(n);
  std::vector<std::ptrdiff_t> metadata_floor;  // per point, for ext4_single_deviations
  if (kind == ModelKind::kExt4Ordered) metadata_floor.reserve(n);
  {
    CrashWalk walk(index_);
    for (std::size_t i = 0; i < n; ++i) {
      walk.advance();
      if (kind == ModelKind::kExt4Ordered) metadata_floor.push_back(walk.metadata_floor());
      if (!in_range(i)) continue;  // planned 0: no state at this point
      const PointContext ctx = context(walk);
      const std::uint64_t space = model.space(ctx, options.exhaustive_limit);
      exhaustive[i] = space <= options.exhaustive_limit;
      planned[i] = exhaustive[i] ? space : model.bounded_count(ctx);
      summary.planned = sat_add(summary.planned, planned[i]);
      if (!walk.unsynced().empty()) summary.could_deviate = true;
    }
  }
  // Under the cap, power loss first spends the budget on single deviations
  // (posix allows any unsynced operation alone to be lost or torn;
  // ext4-ordered, a crash cut before any unsynced metadata operation and
  // any unsynced write's data missing), then
  // fills the rest of the budget with the planned passes.
  std::vector<std::vector<Candidate>> priority(n);
  const bool capped = summary.planned > options.max_states;
  if (capped && kind == ModelKind::kPosix)
    priority = single_deviations(index_, sector, options.max_states, summary.single_deviations_wanted);
  else if (capped && kind == ModelKind::kExt4Ordered)
    priority = ext4_single_deviations(index_, metadata_floor, options.max_states, summary.single_deviations_wanted);
  for (std::size_t i = 0; i < n; ++i)
    if (!in_range(i)) priority[i].clear();
  std::uint64_t priority_total = 0;
  for (const auto& list : priority) priority_total += list.size();
  const std::vector<std::uint64_t> quotas = fill_quotas(planned, options.max_states - priority_total);
  summary.per_point_cap = capped ? *std::max_element(quotas.begin(), quotas.end()) : 0;

  // Generate, deduplicate, hand on.
  KeySet seen;
  CrashWalk walk(index_);
  std::uint64_t here = 0, quota = 0;
  std::size_t point = 0;
  bool point_exhaustive = false;
  std::uint64_t epoch_salt = 0;
  const auto hand_on = [&](const Candidate& c) {
    ++summary.generated;
    if (!c.deviations.empty()) ++summary.deviating;
    StateKey key = key_of(walk, c);
    key.lo ^= epoch_salt;
    key.hi ^= epoch_salt * 0x9e3779b97f4a7c15ull;
    if (seen.insert(key)) {
      ++summary.distinct;
      if (options.shards <= 1 || key.lo % options.shards == options.shard) {
        ++summary.emitted;
        if (on_state) on_state(ExploredState(*this, walk, c, kind, sector, point, point_exhaustive, key));
      }
    }
  };
  const EmitFn emit = [&](const Candidate& c) {
    hand_on(c);
    return ++here < quota;
  };
  for (point = 0; point < n; ++point) {
    walk.advance();
    const PointContext ctx = context(walk);
    if (point < options.epochs.size()) epoch_salt = options.epochs[point] == 0 ? 0 : Rng(options.epochs[point]).next();
    here = 0;
    quota = quotas[point];
    if (quota < planned[point]) ++summary.capped_points;
    point_exhaustive = exhaustive[point] && quota == planned[point];
    for (const Candidate& c : priority[point]) {
      hand_on(c);
      ++summary.single_deviations;
    }
    if (quota > 0) {
      if (point_exhaustive) {
        ++summary.exhaustive_points;
        model.exhaustive(ctx, emit);
      } else {
        ++summary.bounded_points;
        if (exhaustive[point]) quota = std::min(quota, model.bounded_count(ctx));
        model.bounded(ctx, emit);
      }
    } else if (planned[point] > 0) {
      ++summary.skipped_points;
    }
    if (options.progress && ((point + 1) % 4096 == 0 || point + 1 == n)) {
      options.progress(ExploreProgress{kind, point + 1, n, summary.generated, summary.distinct});
    }
  }
}

void Explorer::for_each_state_at(ModelKind kind, std::size_t point, const ExploreOptions& options,
                                 const StateCallback& on_state) {
  const auto model = make_model(kind);
  const std::uint32_t sector = kind == ModelKind::kPosix ? options.sector : kDefaultSector;
  CrashWalk walk(index_);
  for (std::size_t i = 0; i <= point; ++i) walk.advance();
  const PointContext ctx{index_, walk, sector, options.window, options.samples,
                         point_seed(options.seed, kind, point)};
  const bool exhaustive = model->space(ctx, options.exhaustive_limit) <= options.exhaustive_limit;
  const EmitFn emit = [&](const Candidate& c) {
    on_state(ExploredState(*this, walk, c, kind, sector, point, exhaustive, key_of(walk, c)));
    return true;
  };
  if (exhaustive) model->exhaustive(ctx, emit);
  else model->bounded(ctx, emit);
}

StateSpec Explorer::spec_of(const CrashWalk& walk, const Candidate& c, ModelKind model, std::uint32_t sector,
                            std::size_t point) const {
  StateSpec spec;
  spec.model = model;
  spec.sector = sector;
  spec.point = trace_->op_id(point);
  if (model == ModelKind::kProcessKill || model == ModelKind::kSyncedOnly) return spec;
  std::vector<const Deviation*> devs;
  for (const Deviation& d : c.deviations) devs.push_back(&d);
  std::sort(devs.begin(), devs.end(), [](const Deviation* a, const Deviation* b) { return a->first < b->first; });
  std::uint32_t run_end = 0;
  const auto seq = [&](std::size_t op) { return index_.record(op).seq; };
  for (const Deviation* d : devs) {
    switch (d->kind) {
      case Deviation::Kind::kOmit:
        if (!spec.omitted.empty() && walk.unsynced().count(run_end + 1, d->first - 1) == 0) {
          spec.omitted.back().last = seq(d->last);
        } else {
          spec.omitted.push_back(SeqRange{seq(d->first), seq(d->last)});
        }
        run_end = d->last;
        break;
      case Deviation::Kind::kZeroed:
        spec.zeroed.push_back(seq(d->first));
        break;
      case Deviation::Kind::kTorn:
        spec.torn.push_back(TornWrite{seq(d->first), d->kept});
        break;
    }
  }
  return spec;
}

BuildPlan Explorer::plan_of(const CrashWalk& walk, const Candidate& c, ModelKind model, std::uint32_t sector,
                           std::size_t point) const {
  BuildPlan plan;
  plan.point = point;
  if (model == ModelKind::kProcessKill) return plan;
  if (model == ModelKind::kSyncedOnly) {
    plan.omit_unsynced = true;
    return plan;
  }
  const OpSet& unsynced = walk.unsynced();
  for (const Deviation& d : c.deviations) {
    switch (d.kind) {
      case Deviation::Kind::kOmit:
        for (std::size_t r = unsynced.count_below(d.first); r < unsynced.count_below(d.last + 1); ++r) {
          plan.exceptions.emplace_back(static_cast<std::uint32_t>(unsynced.select(r)),
                                       Persisted{Persisted::Kind::kOmit, {}, kDefaultSector});
        }
        break;
      case Deviation::Kind::kZeroed:
        plan.exceptions.emplace_back(d.first, Persisted{Persisted::Kind::kZeroed, {}, kDefaultSector});
        break;
      case Deviation::Kind::kTorn:
        plan.exceptions.emplace_back(d.first, Persisted{Persisted::Kind::kTorn, d.kept, sector});
        break;
    }
  }
  std::sort(plan.exceptions.begin(), plan.exceptions.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return plan;
}

Status Explorer::build(const StateSpec& spec, FsImage& out) {
  BuildPlan plan;
  if (Status st = plan_state(index_, spec, plan); !st) return st;
  out = builder_.build(plan);
  return Status::ok();
}

Status Explorer::view(const StateSpec& spec, std::shared_ptr<const StateView>& out) {
  FsImage image;
  if (Status st = build(spec, image); !st) return st;
  out = builder_.view(std::move(image));
  return Status::ok();
}

std::shared_ptr<const StateView> Explorer::completed(std::size_t point) {
  if (completed_point_ != point) {
    completed_view_ = builder_.view(builder_.process_kill(point));
    completed_point_ = point;
  }
  return completed_view_;
}

std::shared_ptr<const StateView> Explorer::acked(std::size_t point, std::optional<std::size_t> first_unsynced) {
  if (acked_point_ != point) {
    acked_view_ = builder_.view(builder_.synced_only(point, first_unsynced));
    acked_point_ = point;
  }
  return acked_view_;
}

const TraceVersions& Explorer::versions() {
  if (!versions_) versions_ = std::make_unique<TraceVersions>(builder_);
  return *versions_;
}

const std::string& Explorer::describe_op(std::size_t op) {
  if (op_text_.empty() && index_.size() > 0) {
    op_text_.reserve(index_.size());
    PathTracker paths;
    std::size_t next = 0;
    const auto& records = trace_->records();
    for (std::uint32_t r = 0; r < records.size(); ++r) {
      if (next < index_.size() && trace_->ops()[next] == r) {
        const Record& rec = records[r];
        op_text_.push_back(fmt::format("#{}{} {}", trace_->op_id(next).to_string(),
                                       is_synthetic(rec) ? " (inserted)" : "", crashfs::describe_op(rec, paths)));
        ++next;
      }
      paths.apply(records[r]);
    }
  }
  return op_text_[op];
}

std::string Explorer::describe(const StateSpec& spec) {
  const auto point = trace_->find_op(spec.point);
  if (!point) return "(crash point not in this trace)";
  std::string out = fmt::format("crash after {}", describe_op(*point));
  switch (spec.model) {
    case ModelKind::kProcessKill:
      return out + "; every operation whole";
    case ModelKind::kSyncedOnly:
      return out + "; every unsynced operation lost";
    default:
      break;
  }
  auto op_text = [&](Seq seq) -> std::string {
    const auto op = trace_->find_op(OpId{seq, 0});
    return op ? describe_op(*op) : fmt::format("#{}", seq);
  };
  if (spec.omitted.empty() && spec.torn.empty() && spec.zeroed.empty()) return out + "; every operation whole";
  for (const SeqRange& r : spec.omitted) {
    if (r.first == r.last) {
      out += fmt::format("; lost {}", op_text(r.first));
    } else {
      const auto a = trace_->find_op(OpId{r.first, 0});
      const auto b = trace_->find_op(OpId{r.last, 0});
      std::size_t count = 0;
      if (a && b) {
        for (std::size_t k = *a; k <= *b; ++k) count += index_.is_mutation(k) && !index_.durable(k, *point) ? 1 : 0;
      }
      out += fmt::format("; lost the {} unsynced operations #{}..#{}", count, r.first, r.last);
    }
  }
  for (const TornWrite& t : spec.torn) {
    std::string pieces;
    for (const PieceRange& p : t.kept) {
      if (!pieces.empty()) pieces += ',';
      pieces += p.first == p.last ? fmt::format("{}", p.first) : fmt::format("{}-{}", p.first, p.last);
    }
    out += fmt::format("; torn {} (kept {}-byte pieces {})", op_text(t.op), spec.sector, pieces);
  }
  for (Seq z : spec.zeroed) out += fmt::format("; zeroed {} (size persisted, bytes not)", op_text(z));
  return out;
}

}  // namespace crashfs
