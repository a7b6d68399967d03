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
// Parsers are pure functions of the bytes (and of the checkpoint they read
// on from); they never throw on hostile input and never read past the view.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
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

// What a reader knows after a clean prefix of a file beyond the bytes and
// entries it read (Shake's witness count, the paths Ninja's deps log has
// recorded): each format derives its own; most need none.  What a
// checkpoint's state says never changes once handed out, so checkpoints
// share states (and a state may share structure that grows for later
// checkpoints, like Ninja's path log, without changing what it says).
class ReaderState {
 public:
  virtual ~ReaderState() = default;
};

// Where a reader stands after the entries of a clean prefix: the point at
// which it can read on from a file's remaining bytes exactly as it would
// have, had it read the file from the start.
struct ReaderCheckpoint {
  std::uint64_t offset = 0;  // bytes before it (absolute)
  std::size_t entries = 0;   // entries the reader accepted before it
  // The last of those entries (absolute offset); none at the start.
  std::optional<JournalEntry> last;
  std::shared_ptr<const ReaderState> state;  // nullptr: none, or the start's
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

  // What the reader makes of a whole file.
  JournalParse parse(std::string_view file) const { return parse_from(ReaderCheckpoint{}, file); }

  // The reader reading on from a checkpoint: `from` is ReaderCheckpoint{}
  // (the start) or a checkpoint an earlier parse_from returned for a file
  // whose first from.offset bytes are this file's, and `tail` is this
  // file's bytes after from.offset.  The result is parse(file) without the
  // from.entries entries before the checkpoint: entries and damage after
  // it, offsets relative to from.offset, entry indices (damage.entry_index)
  // relative to from.entries.  The prefix's entries are used too, except
  // when the parse resets (JournalParse::reset): a reset discards them
  // with the rest.  Resynchronisation sees the bytes after the damage,
  // which are all in `tail`.
  // `checkpoints`, when given, receives where the reader stands after each
  // entry no damage precedes (also entries a later reset discards), in
  // file order: what a later parse_from may resume at.  A format keeps
  // their states small or shared, so that a checkpoint per entry of a file
  // costs memory linear in the file, not quadratic.
  virtual JournalParse parse_from(const ReaderCheckpoint& from, std::string_view tail,
                                  std::vector<ReaderCheckpoint>* checkpoints = nullptr) const = 0;
};

// The checkpoint after the last of `entries` (a parse_from's entries so
// far, offsets relative to `from`), the reader's state then being `state`:
// how formats fill parse_from's `checkpoints`.
ReaderCheckpoint checkpoint_after(const ReaderCheckpoint& from, const std::vector<JournalEntry>& entries,
                                  std::shared_ptr<const ReaderState> state);

// The format's own state in a checkpoint, or nullptr (the start's).
template <typename State>
const State* state_of(const ReaderCheckpoint& at) {
  return dynamic_cast<const State*>(at.state.get());
}

// The format named `name` (see journal_format_names()), or nullptr.
std::unique_ptr<JournalFormat> make_journal_format(std::string_view name);
// Every accepted FORMAT, for help texts and error messages.
std::vector<std::string> journal_format_names();

}  // namespace crashfs
