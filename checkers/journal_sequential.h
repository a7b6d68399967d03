// Shared machinery for journal formats whose reader walks the file from the
// start, one framed entry after another, and stops at the first frame it
// cannot use (length-prefixed journals, Shake, Ninja's deps log).
//
// A format supplies a SequentialReader:
//   next()         the strict, stateful reader: called for consecutive
//                  offsets, it classifies the frame there exactly as the
//                  real reader would;
//   state()        what it knows after the entries it accepted so far, for
//                  a checkpoint (journal_format.h); a reader made from a
//                  checkpoint reads on as the one that produced it;
//   loose_frame()  a stateless, plausibility-only version of the same check,
//                  used to look for complete entries AFTER the point where
//                  the reader gave up.
//
// parse_sequential() decides whether the stop is a torn tail or damage in
// the middle by resynchronising: it searches the rest of the file for the
// first offset from which loose frames chain cleanly to the end of the file
// (EOF, a short frame, an invalid frame that ends at EOF, or zeros only).
// Such a chain counts as hidden entries when it holds two or more entries,
// or one that ends exactly at EOF, and not only all-zero entries (a zeroed
// region is a chain of empty entries in some formats).  One entry followed
// by a torn one is not enough: that is also what a legitimately torn entry
// whose payload embeds a frame looks like.  So a state that ends inside the
// first entry written after the damage is not flagged; the states where
// that entry is whole are.  Limit: a payload that itself contains
// well-formed frames of the same format can still pass for hidden entries;
// checksummed formats make that practically impossible.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/journal_format.h"

namespace crashfs {

struct Frame {
  enum class Kind { kEntry, kInvalid, kShort };
  Kind kind = Kind::kShort;
  std::uint64_t size = 0;  // bytes the frame occupies (kEntry, kInvalid)
  std::string what;        // why it is short or invalid
  std::string suspect;     // kEntry the reader accepts but no writer writes
};

// Offsets are relative to the bytes the reader is given (a parse_from's
// tail); a reader that needs absolute ones is told its checkpoint's offset.
class SequentialReader {
 public:
  virtual ~SequentialReader() = default;
  virtual Frame next(std::string_view file, std::uint64_t offset) = 0;
  virtual Frame loose_frame(std::string_view file, std::uint64_t offset) const = 0;
  virtual std::shared_ptr<const ReaderState> state() { return nullptr; }
};

struct SequentialResponses {
  ReaderResponse short_mid = ReaderResponse::kTruncate;    // short frame, entries after it
  ReaderResponse invalid_mid = ReaderResponse::kTruncate;  // invalid frame, entries after it
  ReaderResponse invalid_tail = ReaderResponse::kTrim;     // invalid frame, nothing after it
};

// JournalFormat::parse_from for a reader made from `from`: `tail` is the
// file after from.offset, and `checkpoints` (if given) gets one per entry
// (parsing stops at the first damage).
JournalParse parse_sequential(const ReaderCheckpoint& from, std::string_view tail, SequentialReader& reader,
                              const SequentialResponses& responses, std::vector<ReaderCheckpoint>* checkpoints);

// The resynchronisation search described above: the first offset p with
// from < p < file.size() from which loose frames chain to the end, and the
// number of entries in that chain; {0, 0} if there is none.
struct Resync {
  std::uint64_t offset = 0;
  std::size_t entries = 0;
};
Resync find_resync(std::string_view file, std::uint64_t from, const SequentialReader& reader);

}  // namespace crashfs
