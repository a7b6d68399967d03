#include "checkers/journal_shake.h"

#include <string>

#include "checkers/journal_sequential.h"
#include "core/byte_order.h"

namespace crashfs {
namespace {

constexpr std::string_view kVersionPrefix = "SHAKE-DATABASE-";
constexpr std::uint64_t kRecordHead = 6;  // u16 witness index + u32 key id

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool valid_version(std::string_view v) {
  return v.substr(0, kVersionPrefix.size()) == kVersionPrefix && ends_with(v, "\r\n") &&
         v.find('\0') == std::string_view::npos;
}

// Number of witnesses in a well-formed table, or -1.
long long witness_count(std::string_view table) {
  if (table.size() < 4) return -1;
  const std::uint64_t n = get_le<std::uint32_t>(table.data());
  if (n > (table.size() - 4) / 4) return -1;
  std::uint64_t total = 4 + 4 * n;
  for (std::uint64_t i = 0; i < n; ++i) total += get_le<std::uint32_t>(table.data() + 4 + 4 * i);
  return total == table.size() ? static_cast<long long>(n) : -1;
}

// Splits the chunk at `offset`: short, or {size, payload}.
// `explain`: fill in Frame::what (the loose checks skip it for speed).
Frame chunk_frame(std::string_view file, std::uint64_t offset, bool big_endian, std::string_view& payload, bool explain = true) {
  Frame f;
  const std::uint64_t remaining = file.size() - offset;
  if (remaining < 4) {
    f.kind = Frame::Kind::kShort;
    if (explain) f.what = "slop: " + std::to_string(remaining) + " bytes do not form a length";
    return f;
  }
  const char* p = file.data() + offset;
  const std::uint64_t length = big_endian ? get_be<std::uint32_t>(p) : get_le<std::uint32_t>(p);
  if (length > remaining - 4) {
    f.kind = Frame::Kind::kShort;
    if (explain)
      f.what = "slop: chunk length " + std::to_string(length) + " runs past the end of the file (" +
               std::to_string(remaining - 4) + " bytes left)";
    return f;
  }
  payload = std::string_view(p + 4, length);
  f.kind = Frame::Kind::kEntry;
  f.size = 4 + length;
  return f;
}

// After the header, all a Shake reader carries from one chunk to the next
// is the witness count (the chunk index is the entries read).
struct ShakeState : ReaderState {
  explicit ShakeState(long long w) : witnesses(w) {}
  long long witnesses;
};

class ShakeReader : public SequentialReader {
 public:
  explicit ShakeReader(const ReaderCheckpoint& from) : index_(from.entries) {
    if (const auto* s = state_of<ShakeState>(from)) {
      state_ = from.state;
      witnesses_ = s->witnesses;
    }
  }

  Frame next(std::string_view file, std::uint64_t offset) override {
    std::string_view payload;
    Frame f = chunk_frame(file, offset, false, payload);
    if (f.kind != Frame::Kind::kEntry) return f;
    const std::size_t index = index_++;
    if (index == 0) {
      if (!valid_version(payload)) return invalid(f, "version chunk is not a SHAKE-DATABASE- line");
    } else if (index == 1) {
      witnesses_ = witness_count(payload);
      if (witnesses_ < 0) return invalid(f, "witness table does not decode");
    } else {
      if (payload.size() < kRecordHead) return invalid(f, "record of " + std::to_string(payload.size()) + " bytes: insufficient left");
      const unsigned w = get_le<std::uint16_t>(payload.data());
      if (w >= witnesses_) return invalid(f, "witness index out of bounds, " + std::to_string(w));
    }
    return f;
  }

  // After the header, records are all there is to resynchronise on.
  Frame loose_frame(std::string_view file, std::uint64_t offset) const override {
    std::string_view payload;
    Frame f = chunk_frame(file, offset, false, payload, false);
    if (f.kind != Frame::Kind::kEntry) return f;
    const long long bound = witnesses_ > 0 ? witnesses_ : 1;
    if (payload.size() < kRecordHead || get_le<std::uint16_t>(payload.data()) >= bound) {
      f.kind = Frame::Kind::kInvalid;
    }
    return f;
  }

  // One state object for every checkpoint after the witness table.
  std::shared_ptr<const ReaderState> state() override {
    if (witnesses_ == 0) return nullptr;
    if (!state_ || static_cast<const ShakeState&>(*state_).witnesses != witnesses_)
      state_ = std::make_shared<ShakeState>(witnesses_);
    return state_;
  }

 private:
  static Frame invalid(Frame f, std::string what) {
    f.kind = Frame::Kind::kInvalid;
    f.what = std::move(what);
    return f;
  }
  std::size_t index_ = 0;
  long long witnesses_ = 0;
  std::shared_ptr<const ReaderState> state_;
};

class LegacyShakeReader : public SequentialReader {
 public:
  // The version line is at the file's start, not the tail's.
  explicit LegacyShakeReader(const ReaderCheckpoint& from) : base_(from.offset) {}

  Frame next(std::string_view file, std::uint64_t offset) override {
    if (base_ + offset == 0) return version_line(file);
    std::string_view payload;
    return chunk_frame(file, offset, true, payload);
  }
  Frame loose_frame(std::string_view file, std::uint64_t offset) const override {
    std::string_view payload;
    return chunk_frame(file, offset, true, payload, false);
  }

 private:
  static Frame version_line(std::string_view file) {
    Frame f;
    const std::size_t end = file.find("\r\n");
    const std::string_view known = file.substr(0, std::min<std::size_t>(file.size(), kVersionPrefix.size()));
    if (end == std::string_view::npos) {
      // A prefix of a version line is a torn header; anything else is not Shake's.
      f.kind = kVersionPrefix.substr(0, known.size()) == known ? Frame::Kind::kShort : Frame::Kind::kInvalid;
      f.size = file.size();
      f.what = "no complete version line";
      return f;
    }
    f.size = end + 2;
    if (!valid_version(file.substr(0, f.size))) {
      f.kind = Frame::Kind::kInvalid;
      f.what = "invalid version stamp";
      return f;
    }
    f.kind = Frame::Kind::kEntry;
    return f;
  }

  std::uint64_t base_;
};

class ShakeFormat : public JournalFormat {
 public:
  explicit ShakeFormat(bool legacy) : legacy_(legacy) {}
  std::string name() const override { return legacy_ ? "shake-legacy" : "shake"; }
  bool detects_torn_payload() const override { return false; }
  std::size_t header_entries() const override { return 2; }  // version + witness table
  JournalParse parse_from(const ReaderCheckpoint& from, std::string_view tail,
                          std::vector<ReaderCheckpoint>* checkpoints) const override {
    SequentialResponses responses;
    responses.invalid_mid = ReaderResponse::kReset;
    responses.invalid_tail = ReaderResponse::kReset;
    // 0.16+: slop is truncated away with everything after it.  Legacy:
    // reading just stops there; later appends are never read: lost too.
    responses.short_mid = ReaderResponse::kTruncate;
    if (legacy_) {
      LegacyShakeReader reader(from);
      return parse_sequential(from, tail, reader, responses, checkpoints);
    }
    ShakeReader reader(from);
    return parse_sequential(from, tail, reader, responses, checkpoints);
  }

 private:
  bool legacy_;
};

}  // namespace

std::unique_ptr<JournalFormat> make_shake_format() { return std::make_unique<ShakeFormat>(false); }
std::unique_ptr<JournalFormat> make_shake_legacy_format() { return std::make_unique<ShakeFormat>(true); }

}  // namespace crashfs
