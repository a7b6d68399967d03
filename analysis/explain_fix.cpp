#include "analysis/explain_fix.h"

#include <algorithm>
#include <tuple>
#include <set>

#include <fmt/format.h>

#include "analysis/explain_shape.h"
#include "core/trace_index.h"

namespace crashfs {
namespace {

bool is_entry(RecordType t) { return op_class(t) == OpClass::kEntry; }
bool is_data_or_attr(RecordType t) {
  const OpClass c = op_class(t);
  return c == OpClass::kData || c == OpClass::kAttr;
}

// The directory an entry change makes its new name in (rename, link: the
// target's directory).
NodeId entry_directory(const Record& r) {
  if (r.type == RecordType::kRename || r.type == RecordType::kLink) return r.new_parent;
  return r.parent;
}
bool changes_entry_in(const Record& r, NodeId dir) {
  if (!is_entry(r.type)) return false;
  return r.parent == dir || ((r.type == RecordType::kRename || r.type == RecordType::kLink) && r.new_parent == dir);
}

// The last change of `node`'s data or attributes (file barrier) or of an
// entry in directory `node` (fsyncdir) with index in [from, end).
std::optional<std::size_t> last_change(const Trace& trace, RecordType type, NodeId node, std::size_t from,
                                       std::size_t end) {
  for (std::size_t i = end; i-- > from;) {
    const Record& r = trace.op(i);
    if (trace.op_id(i).sub != 0) continue;
    if (type == RecordType::kFsyncdir ? changes_entry_in(r, node) : (is_data_or_attr(r.type) && r.node == node)) return i;
  }
  return std::nullopt;
}

// fdatasync when what is not yet durable of `node` at `after` are overwrites
// in place (no size change, no attribute): only its data orders.
RecordType file_barrier(const Trace& trace, const TraceIndex& index, NodeId node, std::size_t after) {
  for (std::size_t i = 0; i <= after; ++i) {
    const Record& r = trace.op(i);
    if (r.node != node || !is_data_or_attr(r.type) || index.durable(i, after)) continue;
    if (r.type != RecordType::kWrite || index.facts(i).growing) return RecordType::kFsync;
  }
  return RecordType::kFdatasync;
}

// Whether the changes a barrier would cover are durable before `before`
// already (a barrier of the program's own).
bool already_durable(const TraceIndex& index, std::size_t after, std::optional<std::size_t> before) {
  const std::uint32_t at = index.facts(after).durable_at;
  return at != kNever && (!before || at < *before);
}

std::optional<PlacedBarrier> barrier_at(const Trace& trace, const TraceIndex& index, bool entry, NodeId node,
                                        std::size_t from, std::optional<std::size_t> before, std::size_t end) {
  const RecordType kind = entry ? RecordType::kFsyncdir : RecordType::kFsync;
  const auto after = last_change(trace, kind, node, from, before ? *before : end);
  if (!after || already_durable(index, *after, before)) return std::nullopt;
  PlacedBarrier b;
  b.node = node;
  b.after = *after;
  b.before = before;
  b.type = entry ? RecordType::kFsyncdir : file_barrier(trace, index, node, *after);
  return b;
}

void add_unique(std::vector<PlacedBarrier>& out, const PlacedBarrier& b) {
  if (std::find(out.begin(), out.end(), b) == out.end()) out.push_back(b);
}

// Whether the operation after `op` on the same node is a durability
// operation (a commit block the program syncs, unlike the records before it).
bool next_is_sync(const Trace& trace, std::size_t op) {
  const NodeId node = trace.op(op).node;
  for (std::size_t i = op + 1; i < trace.ops().size(); ++i) {
    if (trace.op_id(i).sub != 0 || trace.op(i).node != node) continue;
    return is_durability(trace.op(i).type);
  }
  return false;
}

std::string paths_shape(const OpPaths& paths, std::size_t i) {
  return path_shape(paths.before(i)) + ">" + path_shape(paths.after(i));
}

}  // namespace

std::vector<PlacedBarrier> place_barriers(const Trace& trace, const TraceIndex& index, const Cause& cause) {
  std::vector<PlacedBarrier> out;
  const std::size_t end = trace.ops().size();
  for (const CauseOp& c : cause.ops) {
    if (c.role == CauseOp::Role::kExposes) continue;
    const Record& rc = trace.op(c.index);
    const bool entry = is_entry(rc.type);
    // The first later operation that persisted although c did not.
    std::optional<std::size_t> before;
    for (const CauseOp& o : cause.ops) {
      if (o.index <= c.index) continue;
      const Record& ro = trace.op(o.index);
      const bool other = o.role == CauseOp::Role::kExposes || (entry ? true : ro.node != rc.node || is_entry(ro.type));
      const bool persisted = o.role == CauseOp::Role::kExposes || o.role == CauseOp::Role::kTorn || o.role == CauseOp::Role::kZeroed;
      if (other && persisted && (!before || o.index < *before)) before = o.index;
    }
    if (entry) {
      if (auto b = barrier_at(trace, index, true, entry_directory(rc), c.index, before, end)) add_unique(out, *b);
      if (rc.type == RecordType::kRename && rc.parent != rc.new_parent)
        if (auto b = barrier_at(trace, index, true, rc.parent, c.index, before, end)) add_unique(out, *b);
    } else if (auto b = barrier_at(trace, index, false, rc.node, c.index, before, end)) {
      add_unique(out, *b);
    }
  }
  std::sort(out.begin(), out.end(), [](const PlacedBarrier& a, const PlacedBarrier& b) { return a.after < b.after; });
  return out;
}

std::vector<PlacedBarrier> pattern_instances(const Trace& trace, const TraceIndex& index, const OpPaths& paths,
                                             const PlacedBarrier& b, const std::string& file, std::string& rule) {
  std::vector<PlacedBarrier> out{b};
  const bool entry = b.type == RecordType::kFsyncdir;
  const std::string target_role = path_role(paths.after(b.after), file);
  const std::string what = entry ? "entry change" : "change";
  if (!b.before) {
    // Before the crash: after every operation like the barrier's last one.
    const Record& ra = trace.op(b.after);
    const std::string shape = paths_shape(paths, b.after);
    for (std::size_t i = 0; i < trace.ops().size(); ++i) {
      if (i == b.after || trace.op_id(i).sub != 0 || trace.op(i).type != ra.type || paths_shape(paths, i) != shape) continue;
      const Record& r = trace.op(i);
      const NodeId node = entry ? entry_directory(r) : r.node;
      if (already_durable(index, i, std::nullopt)) continue;
      PlacedBarrier p{entry ? RecordType::kFsyncdir : file_barrier(trace, index, node, i), node, i, std::nullopt};
      add_unique(out, p);
    }
    rule = fmt::format("{} after each {} {}", to_string(b.type), to_string(ra.type), target_role);
    return out;
  }
  const Record& rb = trace.op(*b.before);
  const std::string before_shape = paths_shape(paths, *b.before);
  const bool before_then_sync = next_is_sync(trace, *b.before);
  // How the target relates to the `before` operation.
  enum class Rel { kSameNode, kVictim, kEntryDir, kParent, kSameShape } rel = Rel::kSameShape;
  if (!entry && b.node == rb.node) rel = Rel::kSameNode;
  else if (!entry && rb.victim != 0 && b.node == rb.victim) rel = Rel::kVictim;
  else if (entry && is_entry(rb.type) && b.node == entry_directory(rb)) rel = Rel::kEntryDir;
  else if (entry && is_entry(rb.type) && b.node == rb.parent) rel = Rel::kParent;
  else if (entry && b.node == rb.node) rel = Rel::kSameNode;
  const std::string target_shape = path_shape(paths.after(b.after));
  for (std::size_t i = 0; i < trace.ops().size(); ++i) {
    const Record& r = trace.op(i);
    if (trace.op_id(i).sub != 0 || r.type != rb.type || paths_shape(paths, i) != before_shape ||
        next_is_sync(trace, i) != before_then_sync)
      continue;
    NodeId node = 0;
    switch (rel) {
      case Rel::kSameNode: node = r.node; break;
      case Rel::kVictim: node = r.victim; break;
      case Rel::kEntryDir: node = entry_directory(r); break;
      case Rel::kParent: node = r.parent; break;
      case Rel::kSameShape:
        if (entry) {
          node = b.node;  // a directory: the same one
          break;
        }
        // The file of that shape changed last before this operation.
        for (std::size_t j = i; j-- > 0;) {
          const Record& rj = trace.op(j);
          if (trace.op_id(j).sub != 0 || !is_data_or_attr(rj.type) || path_shape(paths.after(j)) != target_shape) continue;
          node = rj.node;
          break;
        }
        break;
    }
    if (node != 0)
      if (auto p = barrier_at(trace, index, entry, node, 0, i, trace.ops().size())) add_unique(out, *p);
  }
  const std::string before_what = path_shape(paths.before(*b.before)) == path_shape(paths.after(*b.before))
                                      ? path_shape(paths.after(*b.before))
                                      : path_shape(paths.before(*b.before)) + " -> " + path_shape(paths.after(*b.before));
  switch (rel) {
    case Rel::kSameShape:
      rule = fmt::format("{} the last-changed {} before each {} of {}", to_string(b.type), target_role, to_string(rb.type),
                         before_what);
      break;
    case Rel::kVictim:
      rule = fmt::format("{} each replaced {} after its last {}, before each {} of {}", to_string(b.type), target_role,
                         what, to_string(rb.type), before_what);
      break;
    default:
      rule = fmt::format("{} each {} after its last {}, before its {} ({})", to_string(b.type), target_role, what,
                         to_string(rb.type), before_what);
      break;
  }
  std::sort(out.begin(), out.end(), [](const PlacedBarrier& a, const PlacedBarrier& c) { return a.after < c.after; });
  return out;
}

Trace with_barriers(const Trace& trace, std::vector<PlacedBarrier> barriers) {
  // Latest first: an insertion shifts only the operations after it; a total
  // order, so the same set always gives the same trace.
  std::sort(barriers.begin(), barriers.end(), [](const PlacedBarrier& a, const PlacedBarrier& b) {
    return std::tie(b.after, a.type, a.node) < std::tie(a.after, b.type, b.node);
  });
  Trace out = trace;
  for (const PlacedBarrier& b : barriers) out = out.with_barrier(b.after, b.type, b.node);
  return out;
}

Barrier describe_barrier(const Trace& trace, const PlacedBarrier& b) {
  Barrier out;
  out.barrier = b.type;
  out.node = b.node;
  out.path = OpPaths::node_path_after(trace, b.after, b.node);
  out.after_op = trace.op_id(b.after).seq;
  out.before_op = b.before ? trace.op_id(*b.before).seq : 0;
  out.text = fmt::format("add {}({}) after op #{} ({})", to_string(b.type), out.path, out.after_op,
                         to_string(trace.op(b.after).type));
  if (b.before) out.text += fmt::format(" before op #{} ({})", out.before_op, to_string(trace.op(*b.before).type));
  return out;
}

std::string remedy_for(const Trace& trace, const TraceIndex& index, NodeId node, const std::string& file,
                       bool own_writes) {
  (void)index;
  std::set<std::uint32_t> writers;
  bool in_place = false, header_patch = false;
  std::uint64_t highest = 0;
  bool wrote = false;
  for (std::size_t i = 0; i < trace.ops().size(); ++i) {
    const Record& r = trace.op(i);
    if (r.node != node || node == 0) continue;
    if (r.type == RecordType::kOpen && (r.flags & 01000)) in_place = true;          // O_TRUNC
    if (r.type == RecordType::kTruncate && (r.flags & kTruncateByOpen)) in_place = true;
    if (r.type == RecordType::kTruncate && r.length == 0) in_place = true;
    if (r.type == RecordType::kWrite) {
      writers.insert(r.pid);
      if (wrote && r.offset < highest) header_patch = true;  // over bytes it wrote itself: a patch
      highest = std::max<std::uint64_t>(highest, r.offset + r.data.size());
      wrote = true;
    }
    if (r.type == RecordType::kTruncate) highest = std::min<std::uint64_t>(highest, r.length);
  }
  if (header_patch)
    return fmt::format("the program patches {}'s header in place over its payload: write the header last, behind "
                       "a barrier (fdatasync before the header write), and add a checksum of the payload to the "
                       "header so a reader detects a state without it",
                       file);
  if (in_place)
    return fmt::format("{} is rewritten in place, so a crash can leave any mix of old and new: write the new content "
                       "to a new file, fsync it, and rename it over {} (then fsync the directory)",
                       file, file);
  if (writers.size() > 1)
    return "several writers interleave partial entries: write each entry whole, from a single writer (or in one "
           "write under a lock), or add a checksum so the reader skips a partial entry";
  if (own_writes)
    return fmt::format("the program's own intermediate state of {} is invalid: write a new file and rename it, or "
                       "write each entry whole with a checksum so the reader detects a partial one",
                       file.empty() ? std::string("the files") : file);
  return "write a new file and rename it over the old one, or add a checksum so the reader detects the damage";
}

}  // namespace crashfs
