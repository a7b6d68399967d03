// The `journal:FORMAT@GLOB` checker: length-prefixed and log-structured
// files where "every entry is complete and valid, except possibly the last".
//
// For every file matching GLOB in a crash state it applies, with the
// format's reader model (journal_format.h):
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
//                      writer wrote;
//   torn-undetectable  the same for the last entry: a torn write the format
//                      cannot tell, e.g. a valid length over zero-filled
//                      bytes;
//   lost-acked         an entry complete in ctx.acked (covered by a completed
//                      fsync/fdatasync) that the reader does not get back
//                      unchanged from the state.
// A torn tail the reader detects and trims is fine, and so is a state file
// equal to a version that was complete at some moment (ctx.versions): an
// older journal, e.g. from before a rewrite, differs from the latest bytes
// without being corrupt (acked entries must still be there).  Each
// violation names the entry index and byte offset and the operations whose
// bytes are involved (StateView::provenance).
//
// Verdicts are cached per (state content, completed content, acked
// content) of the file; only the provenance lookup runs per state.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "checkers/checker.h"
#include "checkers/journal_format.h"

namespace crashfs {

// One problem with a journal file, independent of provenance.
struct JournalFinding {
  enum class View { kState, kCompleted, kAcked };
  struct Range {
    View view = View::kState;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };
  std::uint64_t offset = 0;  // reported offset
  std::string grade;
  std::string reason;
  std::vector<Range> ranges;  // bytes whose operations are involved
  // Found only because the bytes differ from the completed state's (not by
  // the format itself): moot when the state file is an older complete
  // version of the journal.
  bool differs_from_completed = false;
};

// Judges one journal file; a view without the file is std::nullopt.
std::vector<JournalFinding> judge_journal(const JournalFormat& format, std::optional<std::string_view> state,
                                          std::optional<std::string_view> completed,
                                          std::optional<std::string_view> acked);

class JournalChecker : public Checker {
 public:
  JournalChecker(std::unique_ptr<JournalFormat> format, std::string glob);
  std::string name() const override;
  void check(const CheckContext& ctx, std::vector<Violation>& out) override;

 private:
  struct Version {
    bool present = false;
    ContentHash hash;
    auto operator<=>(const Version&) const = default;
  };
  using Key = std::tuple<Version, Version, Version>;

  bool matches(const std::string& path);
  void check_file(const CheckContext& ctx, const std::string& path, std::vector<Violation>& out);

  std::unique_ptr<JournalFormat> format_;
  std::string glob_;
  std::map<Key, std::vector<JournalFinding>> verdicts_;
  std::unordered_map<std::string, bool> glob_cache_;
};

// nullptr if `format` is not one of journal_format_names().
std::unique_ptr<Checker> make_journal_checker(std::string_view format, std::string glob);

}  // namespace crashfs
