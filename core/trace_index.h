// TraceIndex: per-operation facts every persistence model needs, computed
// once per trace in O(operations).
//
// For each operation (Trace::ops()):
//   cls         data (write, truncate, fallocate), attribute (setattr,
//               xattrs), entry (create, mkdir, mknod, symlink, link, unlink,
//               rmdir, rename) or durability (fsync, fdatasync, fsyncdir);
//   durable_at  the first operation index at which a mutation is covered by
//               a durability operation (kNever if never):
//                 - a write with kWriteSynced / kWriteDsynced: at once;
//                 - data ops on node N: the next fsync(N) or fdatasync(N);
//                 - attribute ops on N: the next fsync(N);
//                 - entry ops: the next fsyncdir of the directory they change
//                   (fsync of a directory counts as fsyncdir); a rename
//                   between two directories needs both, so the later of
//                   the two;
//   growing     a data op that makes its file longer, in program order;
//   metadata    ext4-ordered's ordered class: entry and attribute ops,
//               truncate, fallocate, and writes that grow their file.
// and, for writes, the sector-sized pieces a torn write can keep.
//
// Holds a reference to the Trace: keep it alive.
#pragma once

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "core/trace.h"

namespace crashfs {

enum class OpClass : std::uint8_t { kData, kAttr, kEntry, kDurability };
// The class of an operation's record type (entry changes: create, mkdir,
// mknod, symlink, link, unlink, rmdir, rename).
OpClass op_class(RecordType type);

inline constexpr std::uint32_t kNever = std::numeric_limits<std::uint32_t>::max();

struct OpFacts {
  OpClass cls = OpClass::kData;
  bool growing = false;
  bool metadata = false;
  bool write = false;  // a Write record with data (the only tearable operation)
  std::uint32_t durable_at = kNever;
};

class TraceIndex {
 public:
  explicit TraceIndex(const Trace& trace);

  const Trace& trace() const { return *trace_; }
  std::size_t size() const { return facts_.size(); }
  const OpFacts& facts(std::size_t op) const { return facts_[op]; }
  const Record& record(std::size_t op) const { return trace_->op(op); }
  bool is_mutation(std::size_t op) const { return facts_[op].cls != OpClass::kDurability; }
  // A mutation covered by durability operations at crash point `point`.
  bool durable(std::size_t op, std::size_t point) const { return facts_[op].durable_at <= point; }
  // Mutations that become durable at operation `op` (ordered by index).
  const std::vector<std::uint32_t>& newly_durable(std::size_t op) const { return newly_durable_[op]; }

  // Number of sector-sized pieces a write covers (pieces are aligned to
  // file offsets that are multiples of `sector`); 0 for other operations.
  std::uint64_t pieces(std::size_t op, std::uint32_t sector) const;

 private:
  const Trace* trace_;
  std::vector<OpFacts> facts_;
  std::vector<std::vector<std::uint32_t>> newly_durable_;
};

}  // namespace crashfs
