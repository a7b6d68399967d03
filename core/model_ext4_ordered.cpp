#include "core/model_ext4_ordered.h"

#include <algorithm>

namespace crashfs {
namespace {

// The unsynced metadata operations after the last durable one: the ones a
// crash may cut (T in the header), as a rank range of unsynced_metadata().
struct Cuttable {
  std::size_t first_rank = 0;  // rank of T[0] in unsynced_metadata()
  std::size_t count = 0;       // |T|
};

Cuttable cuttable(const PointContext& ctx) {
  const OpSet& meta = ctx.walk.unsynced_metadata();
  const std::ptrdiff_t floor = ctx.walk.metadata_floor();
  Cuttable t;
  t.first_rank = meta.count_below(static_cast<std::size_t>(floor + 1));
  t.count = meta.size() - t.first_rank;
  return t;
}

}  // namespace

std::uint64_t Ext4OrderedModel::space(const PointContext& ctx, std::uint64_t limit) const {
  const Cuttable t = cuttable(ctx);
  if (t.count + 1 > limit) return t.count + 1;
  const OpSet& meta = ctx.walk.unsynced_metadata();
  const std::size_t writes = ctx.walk.unsynced_writes().size();
  std::size_t growing_in_t = 0;
  for (std::size_t j = 0; j < t.count; ++j) {
    const std::size_t op = meta.select(t.first_rank + j);
    if (ctx.index.facts(op).write) ++growing_in_t;
  }
  // Cut c keeps T[0..c): its data choices are every unsynced write except
  // the growing ones cut away.
  std::uint64_t total = 0;
  std::size_t choosable = writes - growing_in_t;
  for (std::size_t c = 0; c <= t.count; ++c) {
    if (c > 0 && ctx.index.facts(meta.select(t.first_rank + c - 1)).write) ++choosable;
    total = sat_add(total, sat_pow2(choosable));
    if (total > limit) return total;
  }
  return total;
}

void Ext4OrderedModel::exhaustive(const PointContext& ctx, const EmitFn& emit) const {
  const Cuttable t = cuttable(ctx);
  const OpSet& meta = ctx.walk.unsynced_metadata();
  const OpSet& writes = ctx.walk.unsynced_writes();
  std::vector<std::uint32_t> all_writes;
  for (std::size_t r = 0; r < writes.size(); ++r) all_writes.push_back(static_cast<std::uint32_t>(writes.select(r)));
  Candidate c;
  std::vector<std::uint32_t> omitted, choosable;
  for (std::size_t cut = t.count + 1; cut-- > 0;) {
    // Lost metadata: T[cut..).  Writes among them are lost with it.
    const std::size_t cut_op = cut < t.count ? meta.select(t.first_rank + cut) : ctx.walk.point() + 1;
    choosable.clear();
    for (std::uint32_t w : all_writes) {
      if (!(ctx.index.facts(w).growing && w >= cut_op)) choosable.push_back(w);
    }
    for (std::uint64_t mask = 0; mask < (std::uint64_t{1} << choosable.size()); ++mask) {
      c.clear();
      omitted.clear();
      for (std::size_t j = cut; j < t.count; ++j) omitted.push_back(static_cast<std::uint32_t>(meta.select(t.first_rank + j)));
      for (std::size_t i = 0; i < choosable.size(); ++i) {
        if (!(mask >> i & 1)) continue;
        if (ctx.index.facts(choosable[i]).growing) c.zero(choosable[i]);
        else omitted.push_back(choosable[i]);
      }
      std::sort(omitted.begin(), omitted.end());
      add_omitted_ops(ctx.walk.unsynced(), omitted, c);
      if (!emit(c)) return;
    }
  }
}

std::uint64_t Ext4OrderedModel::bounded_count(const PointContext& ctx) const {
  const Cuttable t = cuttable(ctx);
  std::uint64_t n = 1;
  n += std::min<std::size_t>(ctx.window, t.count);
  n += std::min<std::size_t>(ctx.window, ctx.walk.unsynced_writes().size());
  n += file_data_loss_count(ctx);
  if (!ctx.walk.unsynced().empty()) n += ctx.samples;
  return n;
}

void Ext4OrderedModel::bounded(const PointContext& ctx, const EmitFn& emit) const {
  const Cuttable t = cuttable(ctx);
  const OpSet& unsynced = ctx.walk.unsynced();
  const OpSet& meta = ctx.walk.unsynced_metadata();
  const OpSet& writes = ctx.walk.unsynced_writes();
  bool go_on = emit(Candidate{});
  Candidate c;
  for (std::size_t w = 0; w < ctx.window && go_on; ++w) {
    if (w < t.count) {
      // Crash before the w-th last cuttable metadata operation.
      c.clear();
      go_on = emit(c.omit(meta.select(t.first_rank + t.count - 1 - w), unsynced.last()));
    }
    if (go_on && w < writes.size()) {
      const std::size_t op = writes.select(writes.size() - 1 - w);
      c.clear();
      go_on = emit(ctx.index.facts(op).growing ? c.zero(op) : c.omit(op, op));
    }
  }
  if (go_on) file_data_loss(ctx, emit, go_on);
  if (unsynced.empty()) return;
  Rng rng(ctx.seed);
  std::vector<std::size_t> picked;
  std::vector<std::uint32_t> omitted;
  for (std::uint32_t s = 0; s < ctx.samples && go_on; ++s) {
    const std::size_t cut = rng.below(t.count + 1);
    const std::size_t cut_op = cut < t.count ? meta.select(t.first_rank + cut) : ctx.walk.point() + 1;
    c.clear();
    omitted.clear();
    picked.clear();
    if (!writes.empty()) {
      const std::size_t d = 1 + rng.below(std::min<std::size_t>(writes.size(), 8));
      for (std::size_t tries = 0; picked.size() < d && tries < 64; ++tries) {
        const std::size_t op = writes.select(rng.below(writes.size()));
        if (op >= cut_op || std::find(picked.begin(), picked.end(), op) != picked.end()) continue;
        picked.push_back(op);
      }
    }
    std::sort(picked.begin(), picked.end());
    for (std::size_t op : picked) {
      if (ctx.index.facts(op).growing) c.zero(op);
      else omitted.push_back(static_cast<std::uint32_t>(op));
    }
    if (cut < t.count) {
      // Everything unsynced from the cut on is lost, after the data losses before it.
      add_omitted_ops(unsynced, omitted, c);
      c.omit(cut_op, unsynced.last());
    } else {
      add_omitted_ops(unsynced, omitted, c);
    }
    go_on = emit(c);
  }
}

}  // namespace crashfs
