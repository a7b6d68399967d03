#include "core/trace_codec.h"

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <fmt/format.h>

#include "core/byte_order.h"
#include "core/trace_format.h"

namespace crashfs {
namespace {

std::uint16_t header_check(const char* frame6) {
  return static_cast<std::uint16_t>(XXH3_64bits(frame6, 6));
}

void put_string(std::string& out, std::string_view s) {
  put_le<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
  out.append(s);
}

// Appends every field of `rec` except data, in wire order.
void encode_fields(const Record& rec, std::string& out) {
  const std::uint32_t fields = kRecordFields[static_cast<int>(rec.type)];
  put_le<std::uint64_t>(out, rec.seq);
  put_le<std::int64_t>(out, rec.time_ns);
  put_le<std::uint32_t>(out, rec.pid);
  put_le<std::uint32_t>(out, rec.tid);
  if (fields & kFNode) put_le<std::uint64_t>(out, rec.node);
  if (fields & kFParent) put_le<std::uint64_t>(out, rec.parent);
  if (fields & kFName) put_string(out, rec.name);
  if (fields & kFNewParent) put_le<std::uint64_t>(out, rec.new_parent);
  if (fields & kFNewName) put_string(out, rec.new_name);
  if (fields & kFVictim) put_le<std::uint64_t>(out, rec.victim);
  if (fields & kFWhiteout) put_le<std::uint64_t>(out, rec.whiteout);
  if (fields & kFFh) put_le<std::uint64_t>(out, rec.fh);
  if (fields & kFOffset) put_le<std::uint64_t>(out, rec.offset);
  if (fields & kFLength) put_le<std::uint64_t>(out, rec.length);
  if (fields & kFMode) put_le<std::uint32_t>(out, rec.mode);
  if (fields & kFFlags) put_le<std::uint32_t>(out, rec.flags);
  if (fields & kFUid) put_le<std::uint32_t>(out, rec.uid);
  if (fields & kFGid) put_le<std::uint32_t>(out, rec.gid);
  if (fields & kFRdev) put_le<std::uint64_t>(out, rec.rdev);
  if (fields & kFAtime) put_le<std::int64_t>(out, rec.atime_ns);
  if (fields & kFMtime) put_le<std::int64_t>(out, rec.mtime_ns);
  if (fields & kFValid) put_le<std::uint32_t>(out, rec.valid);
  if (fields & kFKind) put_le<std::uint8_t>(out, static_cast<std::uint8_t>(rec.kind));
}

std::string_view data_of(const Record& rec) {
  return (kRecordFields[static_cast<int>(rec.type)] & kFData) ? rec.data : std::string_view{};
}

}  // namespace

void encode_file_header(std::string& out) {
  const std::size_t start = out.size();
  out.append(kTraceMagic, sizeof kTraceMagic);
  put_le<std::uint32_t>(out, kTraceVersion);
  put_le<std::uint32_t>(out, static_cast<std::uint32_t>(XXH3_64bits(out.data() + start, 12)));
}

void encode_record_head(const Record& rec, std::string& head) {
  head.clear();
  head.resize(kFrameHeaderSize);
  encode_fields(rec, head);
  const std::string_view data = data_of(rec);
  const std::size_t fields_size = head.size() - kFrameHeaderSize;
  const std::uint32_t length = static_cast<std::uint32_t>(fields_size + data.size());

  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, head.data() + kFrameHeaderSize, fields_size);
  XXH3_64bits_update(&state, data.data(), data.size());
  const auto payload_check = static_cast<std::uint32_t>(XXH3_64bits_digest(&state));

  std::string frame;
  frame.reserve(kFrameHeaderSize);
  put_le<std::uint32_t>(frame, length);
  put_le<std::uint8_t>(frame, static_cast<std::uint8_t>(rec.type));
  put_le<std::uint8_t>(frame, 0);
  put_le<std::uint16_t>(frame, header_check(frame.data()));
  put_le<std::uint32_t>(frame, payload_check);
  head.replace(0, kFrameHeaderSize, frame);
}

void encode_record(const Record& rec, std::string& out) {
  std::string head;
  encode_record_head(rec, head);
  out.append(head);
  out.append(data_of(rec));
}

Status decode_payload(RecordType type, std::string_view payload, Record& out) {
  const int t = static_cast<int>(type);
  if (t < 1 || t > kMaxRecordType) return Status::corruption(fmt::format("unknown record type {}", t));
  const std::uint32_t fields = kRecordFields[t];
  out = Record{};
  out.type = type;
  ByteCursor in(payload);
  bool ok = in.get(out.seq) && in.get(out.time_ns) && in.get(out.pid) && in.get(out.tid);
  auto get_string = [&](std::string_view& s) {
    std::uint32_t n = 0;
    return in.get(n) && n <= kMaxNameLength && in.take(n, s);
  };
  if (ok && (fields & kFNode)) ok = in.get(out.node);
  if (ok && (fields & kFParent)) ok = in.get(out.parent);
  if (ok && (fields & kFName)) ok = get_string(out.name);
  if (ok && (fields & kFNewParent)) ok = in.get(out.new_parent);
  if (ok && (fields & kFNewName)) ok = get_string(out.new_name);
  if (ok && (fields & kFVictim)) ok = in.get(out.victim);
  if (ok && (fields & kFWhiteout)) ok = in.get(out.whiteout);
  if (ok && (fields & kFFh)) ok = in.get(out.fh);
  if (ok && (fields & kFOffset)) ok = in.get(out.offset);
  if (ok && (fields & kFLength)) ok = in.get(out.length);
  if (ok && (fields & kFMode)) ok = in.get(out.mode);
  if (ok && (fields & kFFlags)) ok = in.get(out.flags);
  if (ok && (fields & kFUid)) ok = in.get(out.uid);
  if (ok && (fields & kFGid)) ok = in.get(out.gid);
  if (ok && (fields & kFRdev)) ok = in.get(out.rdev);
  if (ok && (fields & kFAtime)) ok = in.get(out.atime_ns);
  if (ok && (fields & kFMtime)) ok = in.get(out.mtime_ns);
  if (ok && (fields & kFValid)) ok = in.get(out.valid);
  if (ok && (fields & kFKind)) {
    std::uint8_t kind = 0;
    ok = in.get(kind) && kind <= static_cast<std::uint8_t>(NodeKind::kSpecial);
    out.kind = static_cast<NodeKind>(kind);
  }
  if (!ok) return Status::corruption(fmt::format("{} record: fields do not fit its payload", to_string(type)));
  if (fields & kFData) {
    out.data = in.rest();
  } else if (in.remaining() != 0) {
    return Status::corruption(fmt::format("{} record: {} unexpected trailing bytes", to_string(type), in.remaining()));
  }
  return Status::ok();
}

TraceReader::TraceReader(std::string_view bytes) : bytes_(bytes) {
  if (bytes_.size() < kFileHeaderSize) {
    if (bytes_.empty() || std::string_view(kTraceMagic, sizeof kTraceMagic).starts_with(bytes_.substr(0, 8))) {
      // A trace cut inside its own header: nothing was recorded yet.
      torn_tail_bytes_ = bytes_.size();  // from offset 0: the torn tail lies within the file
      done_ = true;
      return;
    }
    fail("not a crashfs trace (file too short and no trace magic)");
    return;
  }
  if (bytes_.substr(0, 8) != std::string_view(kTraceMagic, sizeof kTraceMagic)) {
    fail("not a crashfs trace (bad magic at offset 0)");
    return;
  }
  if (get_le<std::uint32_t>(bytes_.data() + 12) != static_cast<std::uint32_t>(XXH3_64bits(bytes_.data(), 12))) {
    fail("damaged trace file header (checksum mismatch at offset 8)");
    return;
  }
  version_ = get_le<std::uint32_t>(bytes_.data() + 8);
  if (version_ == 1) {
    fail("trace format version 1: this crashfs reads version 2 only, which also records the pre-existing tree "
         "whole (owners, hard links, xattrs, special files) and whiteouts; re-record the workload with this crashfs");
    return;
  }
  if (version_ != kTraceVersion) {
    fail(fmt::format("unsupported trace format version {} (this crashfs reads version {})", version_, kTraceVersion));
    return;
  }
  offset_ = kFileHeaderSize;
}

bool TraceReader::fail(std::string message) {
  status_ = Status::corruption(std::move(message));
  done_ = true;
  return false;
}

bool TraceReader::next(Record& out) {
  if (done_) return false;
  const std::uint64_t remaining = bytes_.size() - offset_;
  if (remaining == 0) {
    done_ = true;
    return false;
  }
  if (remaining < kFrameHeaderSize) {
    torn_tail_bytes_ = remaining;
    done_ = true;
    return false;
  }
  const char* frame = bytes_.data() + offset_;
  const auto length = get_le<std::uint32_t>(frame);
  const auto type_byte = get_le<std::uint8_t>(frame + 4);
  if (get_le<std::uint16_t>(frame + 6) != header_check(frame) || frame[5] != 0) {
    return fail(fmt::format("damaged record header at offset {}", offset_));
  }
  if (length > kMaxPayload) {
    return fail(fmt::format("record at offset {} claims {} bytes (limit {})", offset_, length, kMaxPayload));
  }
  if (type_byte < 1 || type_byte > kMaxRecordType) {
    return fail(fmt::format("unknown record type {} at offset {}", type_byte, offset_));
  }
  if (remaining < kFrameHeaderSize + std::uint64_t{length}) {
    torn_tail_bytes_ = remaining;
    done_ = true;
    return false;
  }
  const std::string_view payload = bytes_.substr(offset_ + kFrameHeaderSize, length);
  if (get_le<std::uint32_t>(frame + 8) != static_cast<std::uint32_t>(XXH3_64bits(payload.data(), payload.size()))) {
    return fail(fmt::format("checksum mismatch in record at offset {}", offset_));
  }
  Status st = decode_payload(static_cast<RecordType>(type_byte), payload, out);
  if (!st) return fail(fmt::format("{} (record at offset {})", st.message(), offset_));
  offset_ += kFrameHeaderSize + length;
  return true;
}

}  // namespace crashfs
