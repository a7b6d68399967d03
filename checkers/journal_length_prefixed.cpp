#include "checkers/journal_length_prefixed.h"

#include <string>

#include "checkers/journal_crc32c.h"
#include "checkers/journal_sequential.h"
#include "core/byte_order.h"

namespace crashfs {
namespace {

struct Layout {
  unsigned length_bytes = 4;
  bool big_endian = false;
  bool crc = false;
  unsigned header() const { return length_bytes + (crc ? 4 : 0); }
};

std::uint64_t read_uint(const char* p, unsigned bytes, bool big_endian) {
  if (bytes == 8) return big_endian ? get_be<std::uint64_t>(p) : get_le<std::uint64_t>(p);
  return big_endian ? get_be<std::uint32_t>(p) : get_le<std::uint32_t>(p);
}

class LengthPrefixedReader : public SequentialReader {
 public:
  explicit LengthPrefixedReader(Layout layout) : layout_(layout) {}

  Frame next(std::string_view file, std::uint64_t offset) override { return frame(file, offset, true); }

  // The format has no state: the strict and the loose check are the same,
  // but resynchronisation probes every offset, so it skips the messages.
  Frame loose_frame(std::string_view file, std::uint64_t offset) const override { return frame(file, offset, false); }

 private:
  Frame frame(std::string_view file, std::uint64_t offset, bool explain) const {
    Frame f;
    const std::uint64_t remaining = file.size() - offset;
    if (remaining < layout_.header()) {
      f.kind = Frame::Kind::kShort;
      if (explain) f.what = "short header: " + std::to_string(remaining) + " of " + std::to_string(layout_.header()) + " bytes";
      return f;
    }
    const char* p = file.data() + offset;
    const std::uint64_t length = read_uint(p, layout_.length_bytes, layout_.big_endian);
    if (length > remaining - layout_.header()) {
      f.kind = Frame::Kind::kShort;
      if (explain)
        f.what = "short entry: length " + std::to_string(length) + " runs past the end of the file (" +
                 std::to_string(remaining - layout_.header()) + " bytes left)";
      return f;
    }
    f.size = layout_.header() + length;
    if (layout_.crc) {
      const std::uint32_t stored = static_cast<std::uint32_t>(read_uint(p + layout_.length_bytes, 4, layout_.big_endian));
      const std::string_view length_field(p, layout_.length_bytes);
      const std::string_view payload(p + layout_.header(), length);
      if (stored != mask_crc(crc32c(length_field, payload))) {
        f.kind = Frame::Kind::kInvalid;
        if (explain) f.what = "bad CRC";
        return f;
      }
    }
    f.kind = Frame::Kind::kEntry;
    return f;
  }

  Layout layout_;
};

class LengthPrefixedFormat : public JournalFormat {
 public:
  LengthPrefixedFormat(std::string name, Layout layout) : name_(std::move(name)), layout_(layout) {}
  std::string name() const override { return name_; }
  bool detects_torn_payload() const override { return layout_.crc; }
  // Each frame is judged by its own bytes and the bytes left: the reader
  // has no state a checkpoint must carry.
  JournalParse parse_from(const ReaderCheckpoint& from, std::string_view tail,
                          std::vector<ReaderCheckpoint>* checkpoints) const override {
    LengthPrefixedReader reader(layout_);
    return parse_sequential(from, tail, reader, SequentialResponses{}, checkpoints);
  }

 private:
  std::string name_;
  Layout layout_;
};

}  // namespace

std::unique_ptr<JournalFormat> make_length_prefixed_format(std::string_view name) {
  Layout layout;
  std::string_view base = name;
  constexpr std::string_view kCrcSuffix = "+crc32c";
  if (base.size() > kCrcSuffix.size() && base.substr(base.size() - kCrcSuffix.size()) == kCrcSuffix) {
    layout.crc = true;
    base.remove_suffix(kCrcSuffix.size());
  }
  if (base == "u32le") {
    layout.length_bytes = 4;
  } else if (base == "u32be") {
    layout.length_bytes = 4;
    layout.big_endian = true;
  } else if (base == "u64le") {
    layout.length_bytes = 8;
  } else {
    return nullptr;
  }
  return std::make_unique<LengthPrefixedFormat>(std::string(name), layout);
}

}  // namespace crashfs
