// The `journal:FORMAT@GLOB` checker: length-prefixed and log-structured
// files where "every entry is complete and valid, except possibly the last".
// Built on the oracle (view_oracle.h): each file matching GLOB is a unit;
// its view is the list of entries the format's reader uses
// (journal_format.h: none after a reset, none after a truncation point); a
// file without data entries (empty, a header alone, discarded) reads as
// no file at all.
//
// Integrity, with the format's reader model:
//   mid-file-damage    damage with complete entries after it.  The reason
//                      says what the reader does ("full rebuild: data lost"
//                      for formats that reset, the entries a truncation
//                      loses, the bytes a skip drops);
//   full-rebuild       a torn last entry the reader answers by discarding
//                      the whole journal (Shake: a zero-length chunk);
//   silent-corruption  an entry the reader accepts whose bytes differ from
//                      what the writer wrote at that position (compared with
//                      ctx.completed, the process-kill state at the same
//                      crash point), or that the format's grammar shows no
//                      writer wrote, or that is not the entry the writer
//                      completed at that offset (compared with the node's
//                      next complete version, VersionHistory::next_complete:
//                      a zero placeholder read as an empty entry before the
//                      writer patched in its length);
//   torn-undetectable  the same for the last entry: a torn write the format
//                      cannot tell, e.g. a valid length over zero-filled
//                      bytes.
// A torn tail the reader detects and trims is fine, and so is a state file
// equal to a version that was complete at some moment (ctx.versions): an
// older journal, e.g. from before a rewrite, differs from the latest bytes
// without being corrupt.  History and durability (lost-acked: entries an
// fsync or an --ack acknowledged, gone) are the oracle's.  Each violation
// names the entry index and byte offset and the operations whose bytes are
// involved (StateView::provenance).
//
// Verdicts are cached per (state content, completed content, reference
// content) of the file, views per content; only the provenance lookup runs
// per state.  Incremental, for every format: the checker keeps, per file, a
// main line (journal_main_line.h: the latest crash-free version it judged,
// with the reader's checkpoint and the view's digest at every entry
// boundary of its clean prefix) and judges a version from the last
// boundary before the first byte where the state, the completed file, the
// reference and the main line differ (StateView::content,
// FileContent::common_prefix: O(log n) between versions that share a
// rope), reading only the bytes after it (JournalFormat::parse_from).  A
// journal's process-kill pass so costs O(file size) in all; the findings
// and views are those of judge_journal and journal_view on the whole files.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/checker.h"
#include "checkers/journal_format.h"
#include "checkers/view_oracle.h"

namespace crashfs {

// One problem with a journal file, independent of provenance.
struct JournalFinding {
  enum class View { kState, kCompleted, kReference };
  struct Range {
    View view = View::kState;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };
  std::uint64_t offset = 0;  // reported offset
  std::string grade;
  std::string reason;
  std::vector<Range> ranges;  // bytes whose operations are involved
  // Found only because the bytes differ from what the writer wrote (the
  // completed state's, or the next complete version's), not by the format
  // itself: moot when the state file is an older complete version of the
  // journal.
  bool differs_from_completed = false;
};

// Judges one journal file of a state against the same file in the
// crash-free state (nullopt: absent) and the writer's next complete version
// of it (nullopt: unknown).
std::vector<JournalFinding> judge_journal(const JournalFormat& format, std::string_view state,
                                          std::optional<std::string_view> completed,
                                          std::optional<std::string_view> reference = std::nullopt);

// The entries a reader uses in a file, by offset: how judge_journal_from
// sees the reference (the writer's next complete version).
class JournalEntryIndex {
 public:
  virtual ~JournalEntryIndex() = default;
  // The entry that starts at or covers byte `offset` of the file, nullopt
  // if none does (a gap, past the entries, or all discarded by a reset).
  // Offsets are the file's.
  virtual std::optional<JournalEntry> covering(std::uint64_t offset) const = 0;
};

// The index of a parse_from's entries, `base` being its checkpoint's offset.
class JournalParseIndex : public JournalEntryIndex {
 public:
  JournalParseIndex(const JournalParse& parse, std::uint64_t base) : parse_(parse), base_(base) {}
  std::optional<JournalEntry> covering(std::uint64_t offset) const override;

 private:
  const JournalParse& parse_;
  std::uint64_t base_;
};

// judge_journal given only the bytes after a checkpoint (journal_format.h)
// of a clean prefix that the state, the completed file and the reference
// share byte for byte, and with no suspect entry: the findings are those of
// the whole files (offsets and entry indices of the whole file), because
// such a prefix contributes none.  From ReaderCheckpoint{} it is
// judge_journal.  `state_parse`, when given, receives the parse of `state`
// (JournalFormat::parse_from: offsets relative to the checkpoint).
// `reference_entries`, when given, are the reference's entries (the
// checker's main line holds them), so the reference is not parsed and
// `reference` need only reach as far as `state` does.
std::vector<JournalFinding> judge_journal_from(const JournalFormat& format, const ReaderCheckpoint& prefix,
                                               std::string_view state, std::optional<std::string_view> completed,
                                               std::optional<std::string_view> reference,
                                               JournalParse* state_parse = nullptr,
                                               const JournalEntryIndex* reference_entries = nullptr);

// The view of a journal file: the entries its reader uses.
Recovered journal_view(const JournalFormat& format, std::string_view bytes);

// nullptr if `format` is not one of journal_format_names().  With `resume`
// false every version is parsed and judged whole (judge_journal): the
// reference the incremental checker is tested against.
std::unique_ptr<Checker> make_journal_checker(std::string_view format, std::string glob, bool resume = true);
// The same over a format object (e.g. one that counts what it parses).
std::unique_ptr<Checker> make_journal_checker(std::unique_ptr<JournalFormat> format, std::string glob, bool resume = true);

}  // namespace crashfs
