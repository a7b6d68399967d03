#include "core/model_posix.h"

#include <algorithm>

namespace crashfs {
namespace {

struct OpVariants {
  std::uint32_t op = 0;
  std::uint64_t pieces = 0;  // tearable pieces (0 or >= 2)
  bool zeroable = false;     // a growing write
  std::uint64_t count() const {
    return 2 + (zeroable ? 1 : 0) + (pieces >= 2 ? (std::uint64_t{1} << pieces) - 2 : 0);
  }
};

OpVariants variants_of(const PointContext& ctx, std::size_t op) {
  OpVariants v;
  v.op = static_cast<std::uint32_t>(op);
  const OpFacts& f = ctx.index.facts(op);
  if (f.write) {
    const std::uint64_t pieces = ctx.index.pieces(op, ctx.sector);
    v.pieces = pieces >= 2 ? std::min<std::uint64_t>(pieces, 62) : 0;
    v.zeroable = f.growing;
  }
  return v;
}

// Number of ops the prefix pass cuts before: unsynced operations below the
// last durable mutation.
std::size_t new_prefixes(const PointContext& ctx) {
  const std::ptrdiff_t last = ctx.walk.last_durable();
  if (last < 0) return 0;
  return ctx.walk.unsynced().count_below(static_cast<std::size_t>(last));
}

}  // namespace

std::uint64_t PosixModel::space(const PointContext& ctx, std::uint64_t limit) const {
  const OpSet& unsynced = ctx.walk.unsynced();
  std::uint64_t total = 1;
  for (std::size_t r = unsynced.size(); r-- > 0;) {
    const std::size_t op = unsynced.select(r);
    const OpFacts& f = ctx.index.facts(op);
    std::uint64_t n = 2;
    if (f.write) {
      const std::uint64_t pieces = ctx.index.pieces(op, ctx.sector);
      n = sat_add(sat_pow2(pieces), f.growing ? 1 : 0);
      if (pieces < 2) n = f.growing ? 3 : 2;
    }
    total = sat_mul(total, n);
    if (total > limit) return total;
  }
  return total;
}

void PosixModel::exhaustive(const PointContext& ctx, const EmitFn& emit) const {
  const OpSet& unsynced = ctx.walk.unsynced();
  std::vector<OpVariants> ops;
  for (std::size_t r = 0; r < unsynced.size(); ++r) ops.push_back(variants_of(ctx, unsynced.select(r)));
  // Mixed-radix counter over each operation's variants: 0 whole, 1 omitted,
  // then zeroed (if growing), then torn subsets by mask.
  std::vector<std::uint64_t> digit(ops.size(), 0);
  Candidate c;
  std::vector<std::uint32_t> omitted;
  for (;;) {
    c.clear();
    omitted.clear();
    for (std::size_t i = 0; i < ops.size(); ++i) {
      std::uint64_t d = digit[i];
      if (d == 0) continue;
      if (d == 1) {
        omitted.push_back(ops[i].op);
        continue;
      }
      d -= 2;
      if (ops[i].zeroable) {
        if (d == 0) {
          c.zero(ops[i].op);
          continue;
        }
        d -= 1;
      }
      c.tear(ops[i].op, pieces_of_mask(d + 1, ops[i].pieces));
    }
    add_omitted_ops(unsynced, omitted, c);
    if (!emit(c)) return;
    std::size_t i = 0;
    while (i < ops.size() && ++digit[i] == ops[i].count()) digit[i++] = 0;
    if (i == ops.size()) return;
  }
}

std::uint64_t PosixModel::bounded_count(const PointContext& ctx) const {
  const OpSet& unsynced = ctx.walk.unsynced();
  const std::size_t m = unsynced.size();
  std::uint64_t n = 1;
  const std::size_t recent = std::min<std::size_t>(ctx.window, m);
  for (std::size_t w = 0; w < recent; ++w) {
    const std::size_t op = unsynced.select(m - 1 - w);
    const OpFacts& f = ctx.index.facts(op);
    n += 1;
    if (f.write && f.growing) n += 1;
    if (f.write) n += bounded_tear_count(ctx.index.pieces(op, ctx.sector));
  }
  n += file_data_loss_count(ctx);
  n += std::min<std::size_t>(new_prefixes(ctx), ctx.window);
  if (m > 0) n += ctx.samples;
  return n;
}

void PosixModel::bounded(const PointContext& ctx, const EmitFn& emit) const {
  const OpSet& unsynced = ctx.walk.unsynced();
  const std::size_t m = unsynced.size();
  bool go_on = emit(Candidate{});
  Candidate c;
  // Pass 2: each recent operation omitted, zeroed, torn.
  const std::size_t recent = std::min<std::size_t>(ctx.window, m);
  for (std::size_t w = 0; w < recent && go_on; ++w) {
    const std::size_t op = unsynced.select(m - 1 - w);
    const OpFacts& f = ctx.index.facts(op);
    c.clear();
    go_on = emit(c.omit(op, op));
    if (go_on && f.write && f.growing) {
      c.clear();
      go_on = emit(c.zero(op));
    }
    if (go_on && f.write) {
      for_each_bounded_tear(ctx.index.pieces(op, ctx.sector), [&](std::vector<PieceRange> kept) {
        c.clear();
        return go_on = emit(c.tear(op, std::move(kept)));
      });
    }
  }
  // Pass 3: a file's recent data lost altogether.
  if (go_on) file_data_loss(ctx, emit, go_on);
  // Pass 4: prefixes that lose operations before a durable one.
  const std::size_t cuts = new_prefixes(ctx);
  for (std::size_t k = cuts; k-- > 0 && k + ctx.window >= cuts && go_on;) {
    c.clear();
    go_on = emit(c.omit(unsynced.select(k), unsynced.last()));
  }
  // Pass 5: random states over the whole unsynced set.
  if (m == 0) return;
  Rng rng(ctx.seed);
  std::vector<std::size_t> picked;
  std::vector<std::uint32_t> omitted;
  for (std::uint32_t s = 0; s < ctx.samples && go_on; ++s) {
    const std::size_t d = 1 + rng.below(std::min<std::size_t>(m, 8));
    picked.clear();
    while (picked.size() < d) {
      const std::size_t op = unsynced.select(rng.below(m));
      if (std::find(picked.begin(), picked.end(), op) == picked.end()) picked.push_back(op);
    }
    std::sort(picked.begin(), picked.end());
    c.clear();
    omitted.clear();
    for (std::size_t op : picked) {
      const OpVariants v = variants_of(ctx, op);
      const std::uint64_t kinds = 1 + (v.zeroable ? 1 : 0) + (v.pieces >= 2 ? 1 : 0);
      std::uint64_t k = rng.below(kinds);
      if (k == 0) {
        omitted.push_back(static_cast<std::uint32_t>(op));
      } else if (v.zeroable && k == 1) {
        c.zero(op);
      } else {
        c.tear(op, random_tear(ctx.index.pieces(op, ctx.sector), rng));
      }
    }
    add_omitted_ops(unsynced, omitted, c);
    go_on = emit(c);
  }
}

}  // namespace crashfs
