#include "checkers/journal_leveldb.h"

#include <algorithm>
#include <string>

#include "checkers/journal_crc32c.h"
#include "checkers/journal_sequential.h"
#include "core/byte_order.h"

namespace crashfs {
namespace {

enum RecordType : unsigned { kZero = 0, kFull = 1, kFirst = 2, kMiddle = 3, kLast = 4 };

bool crc_ok(const char* header, std::uint32_t length) {
  const std::uint32_t stored = get_le<std::uint32_t>(header);
  return stored == mask_crc(crc32c(std::string_view(header + 6, 1 + length)));
}

// Where the block holding byte `at` of the file ends (absolute).
std::uint64_t block_end_of(std::uint64_t at) { return at - at % kLevelDbBlockSize + kLevelDbBlockSize; }

// Loose frames for finding valid records inside a region the reader drops.
// `base`: the file offset of the bytes it is given (blocks are the file's).
class LevelDbLooseReader : public SequentialReader {
 public:
  explicit LevelDbLooseReader(std::uint64_t base) : base_(base) {}
  Frame next(std::string_view file, std::uint64_t offset) override { return loose_frame(file, offset); }
  Frame loose_frame(std::string_view file, std::uint64_t offset) const override {
    Frame f;
    const std::uint64_t block_left = block_end_of(base_ + offset) - (base_ + offset);
    const std::uint64_t avail = file.size() - offset;
    if (block_left < kLevelDbHeaderSize || avail < kLevelDbHeaderSize) {
      f.kind = Frame::Kind::kShort;  // trailer or end: a chain may stop here
      return f;
    }
    const char* h = file.data() + offset;
    const std::uint32_t length = get_le<std::uint16_t>(h + 4);
    const unsigned type = static_cast<unsigned char>(h[6]);
    f.size = kLevelDbHeaderSize + length;
    if (f.size > block_left || type < kFull || type > kLast) {
      f.kind = Frame::Kind::kInvalid;
      return f;
    }
    if (f.size > avail) {
      f.kind = Frame::Kind::kShort;
      return f;
    }
    f.kind = crc_ok(h, length) ? Frame::Kind::kEntry : Frame::Kind::kInvalid;
    return f;
  }

 private:
  std::uint64_t base_;
};

class LevelDbFormat : public JournalFormat {
 public:
  std::string name() const override { return "leveldb"; }
  bool detects_torn_payload() const override { return true; }

  // At an entry's end no fragmented record is open: a checkpoint is just
  // its absolute offset, which places the blocks.  Offsets below are the
  // tail's; `base` turns them into the file's for block arithmetic.
  JournalParse parse_from(const ReaderCheckpoint& from, std::string_view file,
                          std::vector<ReaderCheckpoint>* checkpoints) const override {
    JournalParse out;
    const std::uint64_t base = from.offset;
    const std::uint64_t n = file.size();
    bool in_fragment = false;
    std::uint64_t fragment_start = 0;
    std::vector<bool> eof_damage;  // parallel to out.damage: a torn end, not a drop

    auto damage = [&](std::uint64_t offset, std::uint64_t length, std::string what, ReaderResponse response) {
      JournalDamage d;
      d.offset = offset;
      d.length = length;
      d.entry_index = out.entries.size();
      d.what = std::move(what);
      d.response = response;
      out.damage.push_back(std::move(d));
      eof_damage.push_back(response == ReaderResponse::kTrim);
    };
    auto drop_fragment = [&](std::uint64_t upto, const char* what) {
      if (in_fragment) damage(fragment_start, upto - fragment_start, what, ReaderResponse::kSkip);
      in_fragment = false;
    };

    std::uint64_t pos = 0;
    while (pos < n) {
      const std::uint64_t whole_block_end = block_end_of(base + pos) - base;
      const bool block_full = whole_block_end <= n;
      const std::uint64_t block_end = std::min(whole_block_end, n);
      const std::uint64_t avail = block_end - pos;
      if (avail < kLevelDbHeaderSize) {
        if (block_full) {  // trailer
          pos = block_end;
          continue;
        }
        damage(pos, n - pos, "truncated record header at the end of the file", ReaderResponse::kTrim);
        pos = n;
        break;
      }
      const char* h = file.data() + pos;
      const std::uint32_t length = get_le<std::uint16_t>(h + 4);
      const unsigned type = static_cast<unsigned char>(h[6]);
      if (kLevelDbHeaderSize + length > avail) {
        if (!block_full) {
          damage(pos, n - pos, "record length runs past the end of the file", ReaderResponse::kTrim);
          pos = n;
          break;
        }
        drop_fragment(pos, "error in middle of record");
        damage(pos, block_end - pos, "bad record length", ReaderResponse::kSkip);
        pos = block_end;
        continue;
      }
      if (type == kZero && length == 0) {
        drop_fragment(pos, "error in middle of record");
        damage(pos, block_end - pos, "zero-filled region: rest of the block skipped without a report", ReaderResponse::kSkip);
        pos = block_end;
        continue;
      }
      if (!crc_ok(h, length)) {
        drop_fragment(pos, "error in middle of record");
        damage(pos, block_end - pos, "checksum mismatch", ReaderResponse::kSkip);
        pos = block_end;
        continue;
      }
      const std::uint64_t record_end = pos + kLevelDbHeaderSize + length;
      switch (type) {
        case kFull:
          drop_fragment(pos, "partial record without end");
          out.entries.push_back(JournalEntry{pos, record_end - pos, {}});
          if (checkpoints && out.damage.empty()) checkpoints->push_back(checkpoint_after(from, out.entries, nullptr));
          break;
        case kFirst:
          drop_fragment(pos, "partial record without end");
          in_fragment = true;
          fragment_start = pos;
          break;
        case kMiddle:
          if (!in_fragment) damage(pos, record_end - pos, "missing start of fragmented record", ReaderResponse::kSkip);
          break;
        case kLast:
          if (!in_fragment) {
            damage(pos, record_end - pos, "missing start of fragmented record", ReaderResponse::kSkip);
          } else {
            out.entries.push_back(JournalEntry{fragment_start, record_end - fragment_start, {}});
            in_fragment = false;
            if (checkpoints && out.damage.empty()) checkpoints->push_back(checkpoint_after(from, out.entries, nullptr));
          }
          break;
        default:
          drop_fragment(pos, "unknown record type");
          damage(pos, record_end - pos, "unknown record type " + std::to_string(type), ReaderResponse::kSkip);
          break;
      }
      pos = record_end;
    }
    if (in_fragment) damage(fragment_start, n - fragment_start, "logical record without its last fragment at the end of the file", ReaderResponse::kTrim);

    // Damage order follows the file except for fragment drops, which are
    // discovered late: sort by offset for the report, then classify.
    std::vector<std::size_t> order(out.damage.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return out.damage[a].offset < out.damage[b].offset; });
    std::vector<JournalDamage> sorted;
    LevelDbLooseReader loose(base);
    for (std::size_t i : order) {
      JournalDamage d = out.damage[i];
      if (!eof_damage[i]) {
        // Records with valid CRCs inside the dropped bytes are lost entries.
        const Resync r = find_resync(file.substr(0, d.offset + d.length), d.offset, loose);
        d.hidden_entries = r.entries;
        d.resume_offset = r.offset;
      }
      const auto next_used = std::upper_bound(out.entries.begin(), out.entries.end(), d.offset,
                                              [](std::uint64_t offset, const JournalEntry& e) { return offset < e.offset; });
      d.at_tail = d.hidden_entries == 0 && next_used == out.entries.end();
      if (!d.at_tail && d.resume_offset == 0) d.resume_offset = next_used->offset;
      sorted.push_back(std::move(d));
    }
    out.damage = std::move(sorted);
    return out;
  }
};

}  // namespace

std::unique_ptr<JournalFormat> make_leveldb_format() { return std::make_unique<LevelDbFormat>(); }

}  // namespace crashfs
