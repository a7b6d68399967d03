#include "core/trace_index.h"

#include <algorithm>
#include <unordered_map>

namespace crashfs {
namespace {

constexpr std::uint32_t kFallocKeepSize = 0x01;
constexpr std::uint32_t kFallocSizeNeutral = 0x02 | 0x08;  // punch hole, collapse range

}  // namespace

OpClass op_class(RecordType type) {
  switch (type) {
    case RecordType::kWrite:
    case RecordType::kTruncate:
    case RecordType::kFallocate:
      return OpClass::kData;
    case RecordType::kSetAttr:
    case RecordType::kSetXattr:
    case RecordType::kRemoveXattr:
      return OpClass::kAttr;
    case RecordType::kFsync:
    case RecordType::kFdatasync:
    case RecordType::kFsyncdir:
      return OpClass::kDurability;
    default:
      return OpClass::kEntry;
  }
}

TraceIndex::TraceIndex(const Trace& trace) : trace_(&trace) {
  const std::size_t n = trace.ops().size();
  facts_.resize(n);
  newly_durable_.resize(n);

  // File sizes in program order, to tell growing data operations.
  std::unordered_map<NodeId, std::uint64_t> size;
  for (const Record& rec : trace.records()) {
    if (rec.type == RecordType::kKnown) size.emplace(rec.node, rec.length);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Record& rec = trace.op(i);
    OpFacts& f = facts_[i];
    f.cls = op_class(rec.type);
    std::uint64_t& current = size[rec.node];
    switch (rec.type) {
      case RecordType::kCreate:
        current = 0;
        break;
      case RecordType::kWrite: {
        const std::uint64_t end = rec.offset + rec.data.size();
        f.write = !rec.data.empty();
        f.growing = end > current;
        current = std::max(current, end);
        break;
      }
      case RecordType::kTruncate:
        f.growing = rec.length > current;
        current = rec.length;
        break;
      case RecordType::kFallocate:
        if (!(rec.flags & (kFallocKeepSize | kFallocSizeNeutral)) && rec.offset + rec.length > current) {
          f.growing = true;
          current = rec.offset + rec.length;
        }
        break;
      default:
        break;
    }
    f.metadata = f.cls == OpClass::kEntry || f.cls == OpClass::kAttr ||
                 (f.cls == OpClass::kData && (rec.type != RecordType::kWrite || f.growing));
  }

  // durable_at, by a backward pass remembering the next barrier per node.
  std::unordered_map<NodeId, std::uint32_t> next_fsync, next_datasync, next_dirsync;
  auto next = [](const std::unordered_map<NodeId, std::uint32_t>& m, NodeId node) {
    auto it = m.find(node);
    return it == m.end() ? kNever : it->second;
  };
  for (std::size_t k = n; k-- > 0;) {
    const Record& rec = trace.op(k);
    OpFacts& f = facts_[k];
    const auto i = static_cast<std::uint32_t>(k);
    switch (f.cls) {
      case OpClass::kDurability:
        if (rec.type == RecordType::kFsync) {
          next_fsync[rec.node] = i;
          next_datasync[rec.node] = i;
          next_dirsync[rec.node] = i;
        } else if (rec.type == RecordType::kFdatasync) {
          next_datasync[rec.node] = i;
        } else {
          next_dirsync[rec.node] = i;
          next_fsync[rec.node] = i;  // a directory's own attributes
        }
        break;
      case OpClass::kData:
        f.durable_at = (rec.type == RecordType::kWrite && (rec.flags & (kWriteSynced | kWriteDsynced)))
                           ? i
                           : next(next_datasync, rec.node);
        break;
      case OpClass::kAttr:
        f.durable_at = next(next_fsync, rec.node);
        break;
      case OpClass::kEntry:
        switch (rec.type) {
          case RecordType::kLink:
            f.durable_at = next(next_dirsync, rec.new_parent);
            break;
          case RecordType::kRename:
            f.durable_at = std::max(next(next_dirsync, rec.parent), next(next_dirsync, rec.new_parent));
            break;
          default:
            f.durable_at = next(next_dirsync, rec.parent);
            break;
        }
        break;
    }
    if (f.durable_at != kNever) newly_durable_[f.durable_at].push_back(i);
  }
  for (auto& list : newly_durable_) std::sort(list.begin(), list.end());
}

std::uint64_t TraceIndex::pieces(std::size_t op, std::uint32_t sector) const {
  if (!facts_[op].write) return 0;
  const Record& rec = record(op);
  const std::uint64_t first = rec.offset / sector;
  const std::uint64_t last = (rec.offset + rec.data.size() - 1) / sector;
  return last - first + 1;
}

}  // namespace crashfs
