#include "core/build_plan.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace crashfs {
namespace {

const Persisted kWhole{};
const Persisted kOmitted{Persisted::Kind::kOmit, {}, kDefaultSector};

}  // namespace

const Persisted& BuildPlan::how(const TraceIndex& index, std::size_t op) const {
  if (index.durable(op, point)) return kWhole;
  if (omit_unsynced) return kOmitted;
  auto it = std::lower_bound(exceptions.begin(), exceptions.end(), op,
                             [](const auto& e, std::size_t k) { return e.first < k; });
  return (it != exceptions.end() && it->first == op) ? it->second : kWhole;
}

std::size_t BuildPlan::first_deviation(const TraceIndex& index) const {
  if (omit_unsynced) {
    for (std::size_t k = 0; k <= point; ++k) {
      if (index.is_mutation(k) && !index.durable(k, point)) return k;
    }
    return point + 1;
  }
  return exceptions.empty() ? point + 1 : exceptions.front().first;
}

std::ptrdiff_t ext4_metadata_floor(const TraceIndex& index, std::size_t point) {
  for (std::size_t k = point + 1; k-- > 0;) {
    if (index.facts(k).metadata && index.durable(k, point)) return static_cast<std::ptrdiff_t>(k);
  }
  return -1;
}

Status plan_state(const TraceIndex& index, const StateSpec& spec, BuildPlan& out) {
  out = BuildPlan{};
  const Trace& trace = index.trace();
  const std::string id = spec.id();
  auto bad = [&](std::string what) {
    return Status::invalid_argument(fmt::format("state {} does not fit this trace: {}", id, what));
  };
  const auto point = trace.find_op(spec.point);
  if (!point) return bad(fmt::format("the trace has no operation {}", spec.point.to_string()));
  out.point = *point;
  const bool lists_empty = spec.omitted.empty() && spec.torn.empty() && spec.zeroed.empty();
  switch (spec.model) {
    case ModelKind::kProcessKill:
    case ModelKind::kSyncedOnly:
      if (!lists_empty) return bad(fmt::format("{} states list no operations", to_string(spec.model)));
      out.omit_unsynced = spec.model == ModelKind::kSyncedOnly;
      return Status::ok();
    case ModelKind::kExt4Ordered:
      if (!spec.torn.empty()) return bad("ext4-ordered states have no torn writes");
      break;
    case ModelKind::kPosix:
      break;
  }
  if (spec.sector == 0 || (spec.sector & (spec.sector - 1)) != 0) return bad("the sector size must be a power of two");

  // The unsynced mutation with seq `seq`, as an operation index.
  auto unsynced_op = [&](Seq seq, std::size_t& op) -> Status {
    const auto found = trace.find_op(OpId{seq, 0});
    if (!found || *found > out.point || !index.is_mutation(*found)) {
      return bad(fmt::format("#{} is not a mutation at or before the crash point", seq));
    }
    if (index.durable(*found, out.point)) return bad(fmt::format("#{} is durable at the crash point", seq));
    op = *found;
    return Status::ok();
  };

  std::map<std::uint32_t, Persisted> how;
  for (const SeqRange& r : spec.omitted) {
    std::size_t first = 0, last = 0;
    if (Status st = unsynced_op(r.first, first); !st) return st;
    if (Status st = unsynced_op(r.last, last); !st) return st;
    for (std::size_t k = first; k <= last; ++k) {
      if (index.is_mutation(k) && !index.durable(k, out.point)) how[static_cast<std::uint32_t>(k)] = kOmitted;
    }
  }
  for (const TornWrite& t : spec.torn) {
    std::size_t op = 0;
    if (Status st = unsynced_op(t.op, op); !st) return st;
    const std::uint64_t pieces = index.pieces(op, spec.sector);
    if (pieces < 2) return bad(fmt::format("#{} is not a write spanning several {}-byte pieces", t.op, spec.sector));
    if (t.kept.empty() || t.kept.back().last >= pieces) {
      return bad(fmt::format("#{} has pieces 0..{}", t.op, pieces - 1));
    }
    std::uint64_t kept = 0;
    for (const PieceRange& r : t.kept) kept += r.last - r.first + 1;
    if (kept == pieces) return bad(fmt::format("torn #{} keeps every piece (that is the whole write)", t.op));
    if (how.count(static_cast<std::uint32_t>(op))) return bad(fmt::format("#{} is listed twice", t.op));
    how[static_cast<std::uint32_t>(op)] = Persisted{Persisted::Kind::kTorn, t.kept, spec.sector};
  }
  for (Seq seq : spec.zeroed) {
    std::size_t op = 0;
    if (Status st = unsynced_op(seq, op); !st) return st;
    if (!index.facts(op).write || !index.facts(op).growing) {
      return bad(fmt::format("#{} is not a write that grows its file", seq));
    }
    if (how.count(static_cast<std::uint32_t>(op))) return bad(fmt::format("#{} is listed twice", seq));
    how[static_cast<std::uint32_t>(op)] = Persisted{Persisted::Kind::kZeroed, {}, spec.sector};
  }

  if (spec.model == ModelKind::kExt4Ordered) {
    // Metadata persists in program order: lost metadata operations form a
    // suffix of those after the last durable one.
    const std::ptrdiff_t floor = ext4_metadata_floor(index, out.point);
    bool lost = false;
    for (std::size_t k = 0; k <= out.point; ++k) {
      if (!index.facts(k).metadata || index.durable(k, out.point)) continue;
      auto it = how.find(static_cast<std::uint32_t>(k));
      const bool omitted = it != how.end() && it->second.kind == Persisted::Kind::kOmit;
      if (omitted && static_cast<std::ptrdiff_t>(k) < floor) {
        return bad(fmt::format("#{} precedes durable metadata, so ext4-ordered keeps it", index.record(k).seq));
      }
      if (lost && !omitted) {
        return bad(fmt::format("#{} is kept after earlier metadata was lost (ext4-ordered keeps program order)",
                               index.record(k).seq));
      }
      lost = lost || omitted;
    }
  }
  out.exceptions.assign(how.begin(), how.end());
  return Status::ok();
}

}  // namespace crashfs
