// Trace: the decoded records of one trace, in trace order, and the
// operations among them (the crash points).
//
// Records are views into the trace bytes (zero copy): whoever decodes a
// trace keeps the bytes alive as long as the Trace and its copies live
// (from_records takes a keep-alive handle for in-memory bytes).
//
// Operations are the records a crash can fall after: mutations and
// durability records (is_mutation / is_durability).  Each is named by an
// OpId: its recorded seq, which must increase strictly from one operation to
// the next, plus `sub` for synthetic barriers.
//
// Synthetic barriers.  The explain step asks "would an fsync here remove
// this bug?" without re-running the program: with_barrier() returns a copy
// of the trace with an Fsync / Fdatasync / Fsyncdir record inserted right
// after operation j.  The inserted record carries pid kSyntheticPid and tid
// kSyntheticTid (is_synthetic()), the same seq as operation j and sub = 1, 2,
// ... for the first, second, ... barrier after j, so it sorts right after j
// and before j's successor; its OpId prints as "41.1".  without_op() removes
// a (recorded or synthetic) durability record, to ask "is this fsync needed?".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/trace_record.h"

namespace crashfs {

inline constexpr std::uint32_t kSyntheticPid = 0;
// Largest file size a trace may describe.  Larger (or overflowing) offsets
// and lengths mark a damaged or hostile trace: every crash state would have
// to hash that many bytes.
inline constexpr std::uint64_t kMaxModeledFileSize = std::uint64_t{1} << 40;  // 1 TiB
inline constexpr std::uint32_t kSyntheticTid = 0xffffffffu;

// True for barriers inserted by Trace::with_barrier.
bool is_synthetic(const Record& rec);
// True for records that are crash points: mutations and durability records.
bool is_operation(RecordType type);

// Names one operation: recorded seq, and sub >= 1 for the sub-th synthetic
// barrier after the operation with that seq.  Text form "41" or "41.2".
struct OpId {
  Seq seq = 0;
  std::uint32_t sub = 0;
  auto operator<=>(const OpId&) const = default;
  std::string to_string() const;
  // Parses "41" / "41.2"; nullopt for anything else.
  static std::optional<OpId> parse(std::string_view text);
};

class Trace {
 public:
  Trace() = default;

  // Decodes a whole trace held in `bytes` (which must outlive the Trace).
  // A torn final record is dropped (torn_tail_bytes() says how many bytes);
  // damage elsewhere or operations out of seq order are errors naming the
  // byte offset.  `name` (usually the file name) prefixes error messages.
  static Status decode(std::string_view bytes, Trace& out, std::string_view name = "trace");
  // A trace over records built in memory; `storage` keeps the bytes their
  // views point to alive.  Errors as for decode (operations out of order).
  static Status from_records(std::vector<Record> records, std::shared_ptr<const void> storage, Trace& out);

  const std::vector<Record>& records() const { return records_; }
  // Record indices of the operations, in trace order.
  const std::vector<std::uint32_t>& ops() const { return ops_; }
  const Record& op(std::size_t i) const { return records_[ops_[i]]; }
  OpId op_id(std::size_t i) const { return op_ids_[i]; }
  // The operation index named by `id`, if the trace has it.
  std::optional<std::size_t> find_op(OpId id) const;

  // The recorded directory from the Session record ("" when absent or unreadable).
  const std::string& recorded_dir() const { return recorded_dir_; }
  std::uint64_t torn_tail_bytes() const { return torn_tail_bytes_; }

  // A copy with a synthetic durability record (Fsync, Fdatasync or
  // Fsyncdir) of `node` inserted right after operation `after_op` (after
  // any synthetic barriers already there).
  Trace with_barrier(std::size_t after_op, RecordType type, NodeId node) const;
  // A copy without operation `op`, which must be a durability record not
  // followed by inserted barriers (remove those first).
  Trace without_op(std::size_t op) const;

 private:
  Status index(std::string_view name);

  std::vector<Record> records_;
  std::vector<std::uint32_t> ops_;
  std::vector<OpId> op_ids_;
  std::string recorded_dir_;
  std::uint64_t torn_tail_bytes_ = 0;
  std::shared_ptr<const void> storage_;
};

}  // namespace crashfs
