// A journal file's main line (journal_checker.h): the latest crash-free
// version of the file the checker judged and, at every entry boundary of
// its clean prefix (no damage and no suspect entry before it), where the
// format's reader stands (ReaderCheckpoint) and the digest of the view so
// far.  Any version of the file is read from the last boundary before the
// first byte where it differs from the main line, and its view is that
// digest extended by the entries read from there.  The line also knows
// every entry the reader uses in its version (the boundaries', then those
// of the rest, parsed from the last boundary): the checker follows the
// writer's next complete version with it, the reference every state of a
// crash point is compared with (JournalEntryIndex), which is so parsed
// once, not once per state.
//
// Cost: moving the main line to a new version parses only the bytes after
// the last boundary the two versions share.  Memory: one boundary per
// entry of the current version; the reader states in the checkpoints are
// small or shared (JournalFormat::parse_from), so a file's boundaries are
// linear in its size.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "checkers/journal_checker.h"
#include "checkers/journal_format.h"
#include "checkers/view_oracle.h"
#include "core/state_view.h"

namespace crashfs {

class JournalMainLine : public JournalEntryIndex {
 public:
  struct Boundary {
    ReaderCheckpoint at;
    ViewDigest digest;  // journal_view's digest of the entries before `at`
  };

  // A line at the empty file.  `format` outlives the line.
  explicit JournalMainLine(const JournalFormat& format);

  const std::shared_ptr<const FileContent>& content() const { return content_; }
  // Makes `content` the main line: keeps the boundaries of the bytes it
  // shares with the current one, parses the rest from the last of them.
  void extend(const std::shared_ptr<const FileContent>& content);
  // The last boundary at or before byte `limit`.
  const Boundary& boundary_at(std::uint64_t limit) const;
  // journal_view of a file that has the main line's bytes up to `from` and
  // then `tail`, given parse_from(from.at, tail).
  Recovered view_after(const Boundary& from, std::string_view tail, const JournalParse& parse) const;
  // The entries of the main line's version (JournalEntryIndex).
  std::optional<JournalEntry> covering(std::uint64_t offset) const override;

 private:
  const JournalFormat& format_;
  std::shared_ptr<const FileContent> content_;
  std::vector<Boundary> boundaries_;  // in file order; [0] is the start
  JournalParse rest_;                 // parse_from(boundaries_.back().at, the bytes after it)
};

}  // namespace crashfs
