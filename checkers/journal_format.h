// JournalFormat: a faithful model of how one journal format's READER sees a
// file: which entries it ends up using, and what it does about bytes it
// cannot use.  The journal checker (journal_checker.h) judges a crash state
// from this model plus the bytes the writer really wrote.
//
// Vocabulary (shared by every format):
//   entry     one record of the journal, framing included, at a byte offset.
//   damage    a run of bytes the reader cannot use, with the reader's answer:
//               kTrim      the torn tail is cut off; nothing else is lost;
//               kTruncate  the file is cut at the damage; every later entry
//                          is lost (Ninja's deps log, Shake's "slop");
//               kReset     the whole journal is discarded and rebuilt from
//                          scratch (Shake on any decode error, a bad Ninja
//                          header): full rebuild, data lost;
//               kSkip      the damaged bytes are reported and skipped and
//                          reading goes on (LevelDB, unparsable Ninja log
//                          lines).
//   at_tail   no entry the writer completed follows the damage: this is the
//             torn last entry the format is allowed to have.  Otherwise the
//             damage is "in the middle": complete entries follow it, either
//             read by the reader (kSkip) or found by resynchronising on the
//             format's framing after the point where the reader gave up
//             (hidden_entries, resume_offset).
//
// Parsers are pure functions of the bytes; they never throw on hostile
// input and never read past the view.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace crashfs {

enum class ReaderResponse { kTrim, kTruncate, kReset, kSkip };

// "trims the torn tail", "truncates the journal here", ...: for reasons.
std::string_view describe(ReaderResponse response);

struct JournalEntry {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;  // framing included
  // Non-empty when the reader accepts the entry although the writer can
  // never have written it (e.g. a Ninja log line with a non-numeric time):
  // silent corruption the format's grammar reveals.
  std::string suspect;
};

struct JournalDamage {
  std::uint64_t offset = 0;       // first byte the reader cannot use
  std::uint64_t length = 0;       // bytes it drops from there
  std::size_t entry_index = 0;    // entries the reader accepted before it
  std::string what;               // "short length", "bad CRC", "partial line", ...
  ReaderResponse response = ReaderResponse::kTrim;
  bool at_tail = true;
  // The reader stopped at a length running past the end of the file.  In
  // the middle of a file that means it already read garbage: the entry
  // before swallowed the start of a half-written one.
  bool short_frame = false;
  // Complete entries found after the damage that the reader loses because
  // of it (0 for a torn tail), and where the first of them starts.
  std::size_t hidden_entries = 0;
  std::uint64_t resume_offset = 0;
};

struct JournalParse {
  // The entries the reader ends up using, in file order (none after a
  // reset; none after a truncation point).
  std::vector<JournalEntry> entries;
  std::vector<JournalDamage> damage;

  bool clean() const { return damage.empty(); }
  // True if some damage made the reader throw everything away.
  bool reset() const;
};

class JournalFormat {
 public:
  virtual ~JournalFormat() = default;
  // The FORMAT of `journal:FORMAT`, e.g. "u32le+crc32c".
  virtual std::string name() const = 0;
  // True if every byte of an entry is covered by a check the reader makes
  // (a checksum), so a zero-filled or torn payload is always detected.
  virtual bool detects_torn_payload() const = 0;
  // How many leading entries are a file header rather than data (Shake's
  // version and witness chunks, Ninja's signature line): a reset that
  // loses only those loses nothing.
  virtual std::size_t header_entries() const { return 0; }
  virtual JournalParse parse(std::string_view file) const = 0;
  // True when the reader keeps no state from one entry to the next, so
  // parsing can resume at an entry boundary: for every offset b at which an
  // entry of parse(file) ends with no damage before it, parse(file) is the
  // entries of parse(file[0, b)) followed by parse(file[b, end)) with its
  // offsets shifted by b and its entry indices by the entries before b, and
  // no damage of it resets the journal.  The journal checker then judges a
  // version of a file from where an earlier version it shares a prefix with
  // left off (journal_checker.h).
  virtual bool resumable() const { return false; }
};

// The format named `name` (see journal_format_names()), or nullptr.
std::unique_ptr<JournalFormat> make_journal_format(std::string_view name);
// Every accepted FORMAT, for help texts and error messages.
std::vector<std::string> journal_format_names();

}  // namespace crashfs
