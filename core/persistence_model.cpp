#include "core/persistence_model.h"

#include <algorithm>
#include <limits>

#include "core/model_ext4_ordered.h"
#include "core/model_posix.h"
#include "core/model_process_kill.h"
#include "core/model_synced_only.h"

namespace crashfs {

Candidate& Candidate::omit(std::size_t first, std::size_t last) {
  deviations.push_back(
      Deviation{Deviation::Kind::kOmit, static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(last), {}});
  return *this;
}

Candidate& Candidate::zero(std::size_t op) {
  deviations.push_back(
      Deviation{Deviation::Kind::kZeroed, static_cast<std::uint32_t>(op), static_cast<std::uint32_t>(op), {}});
  return *this;
}

Candidate& Candidate::tear(std::size_t op, std::vector<PieceRange> kept) {
  deviations.push_back(Deviation{Deviation::Kind::kTorn, static_cast<std::uint32_t>(op),
                                 static_cast<std::uint32_t>(op), std::move(kept)});
  return *this;
}

std::unique_ptr<PersistenceModel> make_model(ModelKind kind) {
  switch (kind) {
    case ModelKind::kProcessKill: return std::make_unique<ProcessKillModel>();
    case ModelKind::kSyncedOnly: return std::make_unique<SyncedOnlyModel>();
    case ModelKind::kPosix: return std::make_unique<PosixModel>();
    case ModelKind::kExt4Ordered: return std::make_unique<Ext4OrderedModel>();
  }
  return nullptr;
}

std::uint64_t Rng::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::uint64_t bounded_tear_count(std::uint64_t pieces) {
  if (pieces < 2) return 0;
  if (pieces <= 4) return (std::uint64_t{1} << pieces) - 2;
  return 3 * pieces - 4;
}

std::vector<PieceRange> pieces_of_mask(std::uint64_t mask, std::uint64_t pieces) {
  std::vector<PieceRange> out;
  for (std::uint64_t p = 0; p < pieces; ++p) {
    if (!(mask >> p & 1)) continue;
    if (!out.empty() && out.back().last + 1 == p) out.back().last = p;
    else out.push_back(PieceRange{p, p});
  }
  return out;
}

void for_each_bounded_tear(std::uint64_t pieces, const std::function<bool(std::vector<PieceRange>)>& f) {
  if (pieces < 2) return;
  if (pieces <= 4) {
    for (std::uint64_t mask = 1; mask + 1 < (std::uint64_t{1} << pieces); ++mask) {
      if (!f(pieces_of_mask(mask, pieces))) return;
    }
    return;
  }
  for (std::uint64_t k = 1; k < pieces; ++k) {
    if (!f({PieceRange{0, k - 1}})) return;  // the first k pieces
  }
  for (std::uint64_t k = 1; k < pieces; ++k) {
    if (!f({PieceRange{k, pieces - 1}})) return;  // all but the first k
  }
  for (std::uint64_t j = 1; j + 1 < pieces; ++j) {
    if (!f({PieceRange{0, j - 1}, PieceRange{j + 1, pieces - 1}})) return;  // piece j missing
  }
}

std::vector<PieceRange> random_tear(std::uint64_t pieces, Rng& rng) {
  if (pieces <= 62) return pieces_of_mask(1 + rng.below((std::uint64_t{1} << pieces) - 2), pieces);
  switch (rng.below(3)) {
    case 0: return {PieceRange{0, rng.below(pieces - 1)}};
    case 1: return {PieceRange{1 + rng.below(pieces - 1), pieces - 1}};
    default: {
      const std::uint64_t j = 1 + rng.below(pieces - 2);
      return {PieceRange{0, j - 1}, PieceRange{j + 1, pieces - 1}};
    }
  }
}

void add_omitted_ops(const OpSet& unsynced, const std::vector<std::uint32_t>& ops, Candidate& out) {
  if (ops.empty()) return;
  std::uint32_t first = ops[0], last = ops[0];
  for (std::size_t i = 1; i < ops.size(); ++i) {
    if (unsynced.count(last + 1, ops[i] - 1) == 0) {
      last = ops[i];
    } else {
      out.omit(first, last);
      first = last = ops[i];
    }
  }
  out.omit(first, last);
}

namespace {

// Node -> its writes among the last `window` unsynced writes, files in order
// of their most recent write.
std::vector<std::pair<NodeId, std::vector<std::uint32_t>>> recent_writes_by_file(const PointContext& ctx) {
  std::vector<std::pair<NodeId, std::vector<std::uint32_t>>> files;
  const OpSet& writes = ctx.walk.unsynced_writes();
  const std::size_t n = std::min<std::size_t>(ctx.window, writes.size());
  for (std::size_t w = 0; w < n; ++w) {
    const auto op = static_cast<std::uint32_t>(writes.select(writes.size() - 1 - w));
    const NodeId node = ctx.index.record(op).node;
    auto it = std::find_if(files.begin(), files.end(), [&](const auto& f) { return f.first == node; });
    if (it == files.end()) files.emplace_back(node, std::vector<std::uint32_t>{op});
    else it->second.push_back(op);
  }
  return files;
}

}  // namespace

std::uint64_t file_data_loss_count(const PointContext& ctx) {
  std::uint64_t n = 0;
  for (const auto& [node, ops] : recent_writes_by_file(ctx)) n += ops.size() >= 2 ? 1 : 0;
  return n;
}

void file_data_loss(const PointContext& ctx, const EmitFn& emit, bool& go_on) {
  for (auto& [node, ops] : recent_writes_by_file(ctx)) {
    if (!go_on) return;
    if (ops.size() < 2) continue;
    std::sort(ops.begin(), ops.end());
    Candidate c;
    std::vector<std::uint32_t> omitted;
    for (std::uint32_t op : ops) {
      if (ctx.index.facts(op).growing) c.zero(op);
      else omitted.push_back(op);
    }
    add_omitted_ops(ctx.walk.unsynced(), omitted, c);
    go_on = emit(c);
  }
}

std::uint64_t sat_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::numeric_limits<std::uint64_t>::max();
  return a * b;
}

std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) {
  return b > std::numeric_limits<std::uint64_t>::max() - a ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

std::uint64_t sat_pow2(std::uint64_t n) {
  return n >= 63 ? std::numeric_limits<std::uint64_t>::max() : std::uint64_t{1} << n;
}

}  // namespace crashfs
