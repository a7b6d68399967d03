#include "core/trace.h"

#include <algorithm>
#include <cassert>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/trace_codec.h"

namespace crashfs {

bool is_synthetic(const Record& rec) { return rec.pid == kSyntheticPid && rec.tid == kSyntheticTid; }

bool is_operation(RecordType type) { return is_mutation(type) || is_durability(type); }

std::string OpId::to_string() const { return sub == 0 ? fmt::format("{}", seq) : fmt::format("{}.{}", seq, sub); }

std::optional<OpId> OpId::parse(std::string_view text) {
  OpId id;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, id.seq);
  if (ec != std::errc() || p == text.data()) return std::nullopt;
  if (p == end) return id;
  if (*p != '.') return std::nullopt;
  const char* sub_start = p + 1;
  auto [q, ec2] = std::from_chars(sub_start, end, id.sub);
  if (ec2 != std::errc() || q != end || q == sub_start || id.sub == 0) return std::nullopt;
  return id;
}

namespace {

// Offsets and sizes within kMaxModeledFileSize, without overflow.
Status check_sizes(const Record& rec, std::uint32_t index, std::string_view name) {
  std::uint64_t end = 0;
  switch (rec.type) {
    case RecordType::kWrite:
    case RecordType::kPreImage:
      end = rec.offset > kMaxModeledFileSize ? kMaxModeledFileSize + 1 : rec.offset + rec.data.size();
      break;
    case RecordType::kFallocate:
      end = std::max(rec.offset, rec.length) > kMaxModeledFileSize ? kMaxModeledFileSize + 1 : rec.offset + rec.length;
      break;
    case RecordType::kTruncate:
    case RecordType::kKnown:
      end = rec.length;
      break;
    default:
      return Status::ok();
  }
  if (end <= kMaxModeledFileSize) return Status::ok();
  return Status::corruption(fmt::format(
      "{}: record {} (seq {}, {}) reaches byte {} of a file, beyond the {} bytes crashfs models: the trace is damaged",
      name, index, rec.seq, to_string(rec.type), end, kMaxModeledFileSize));
}

}  // namespace

Status Trace::decode(std::string_view bytes, Trace& out, std::string_view name) {
  out = Trace{};
  TraceReader reader(bytes);
  Record rec;
  while (reader.next(rec)) out.records_.push_back(rec);
  if (!reader.status()) return Status::corruption(fmt::format("{}: {}", name, reader.status().message()));
  out.torn_tail_bytes_ = reader.torn_tail_bytes();
  return out.index(name);
}

Status Trace::from_records(std::vector<Record> records, std::shared_ptr<const void> storage, Trace& out) {
  out = Trace{};
  out.records_ = std::move(records);
  out.storage_ = std::move(storage);
  return out.index("trace");
}

Status Trace::index(std::string_view name) {
  ops_.clear();
  op_ids_.clear();
  recorded_dir_.clear();
  for (std::uint32_t i = 0; i < records_.size(); ++i) {
    const Record& rec = records_[i];
    if (rec.type == RecordType::kSession && recorded_dir_.empty()) {
      auto json = nlohmann::json::parse(rec.data, nullptr, false);
      if (json.is_object() && json.contains("dir") && json["dir"].is_string()) recorded_dir_ = json["dir"].get<std::string>();
      continue;
    }
    if (Status st = check_sizes(rec, i, name); !st) return st;
    if (!is_operation(rec.type)) continue;
    OpId id{rec.seq, 0};
    if (!op_ids_.empty()) {
      const OpId& prev = op_ids_.back();
      if (is_synthetic(rec)) {
        if (rec.seq != prev.seq) {
          return Status::corruption(fmt::format(
              "{}: synthetic barrier (record {}) does not follow the operation it names (seq {})", name, i, rec.seq));
        }
        id.sub = prev.sub + 1;
      } else if (rec.seq <= prev.seq) {
        return Status::corruption(fmt::format(
            "{}: operation record {} has seq {}, not after the previous operation's seq {}: the trace is out of order "
            "(re-record it)",
            name, i, rec.seq, prev.seq));
      }
    } else if (is_synthetic(rec)) {
      return Status::corruption(fmt::format("{}: synthetic barrier (record {}) before any operation", name, i));
    }
    ops_.push_back(i);
    op_ids_.push_back(id);
  }
  return Status::ok();
}

std::optional<std::size_t> Trace::find_op(OpId id) const {
  auto it = std::lower_bound(op_ids_.begin(), op_ids_.end(), id);
  if (it == op_ids_.end() || *it != id) return std::nullopt;
  return static_cast<std::size_t>(it - op_ids_.begin());
}

Trace Trace::with_barrier(std::size_t after_op, RecordType type, NodeId node) const {
  assert(after_op < ops_.size() && is_durability(type));
  std::size_t pos = ops_[after_op] + 1;
  // After the barriers already inserted after this operation.
  const Record& anchor = records_[ops_[after_op]];
  while (pos < records_.size() && is_synthetic(records_[pos]) && records_[pos].seq == anchor.seq) ++pos;
  Record barrier;
  barrier.type = type;
  barrier.seq = anchor.seq;
  barrier.time_ns = anchor.time_ns;
  barrier.pid = kSyntheticPid;
  barrier.tid = kSyntheticTid;
  barrier.node = node;
  Trace out = *this;
  out.records_.insert(out.records_.begin() + static_cast<std::ptrdiff_t>(pos), barrier);
  [[maybe_unused]] Status st = out.index("trace");
  assert(st.is_ok());
  return out;
}

Trace Trace::without_op(std::size_t op) const {
  assert(op < ops_.size() && is_durability(records_[ops_[op]].type));
  Trace out = *this;
  out.records_.erase(out.records_.begin() + ops_[op]);
  [[maybe_unused]] Status st = out.index("trace");
  assert(st.is_ok());
  return out;
}

}  // namespace crashfs
