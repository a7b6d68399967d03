#include "checkers/journal_format.h"

#include <algorithm>

#include "checkers/journal_leveldb.h"
#include "checkers/journal_length_prefixed.h"
#include "checkers/journal_ninja_deps.h"
#include "checkers/journal_ninja_log.h"
#include "checkers/journal_shake.h"

namespace crashfs {

std::string_view describe(ReaderResponse response) {
  switch (response) {
    case ReaderResponse::kTrim: return "trims the torn tail";
    case ReaderResponse::kTruncate: return "truncates the journal there";
    case ReaderResponse::kReset: return "discards the whole journal";
    case ReaderResponse::kSkip: return "reports the damage and skips it";
  }
  return "?";
}

bool JournalParse::reset() const {
  return std::any_of(damage.begin(), damage.end(), [](const JournalDamage& d) { return d.response == ReaderResponse::kReset; });
}

ReaderCheckpoint checkpoint_after(const ReaderCheckpoint& from, const std::vector<JournalEntry>& entries,
                                  std::shared_ptr<const ReaderState> state) {
  ReaderCheckpoint at;
  JournalEntry last = entries.back();
  last.offset += from.offset;
  at.offset = last.offset + last.size;
  at.entries = from.entries + entries.size();
  at.last = std::move(last);
  at.state = std::move(state);
  return at;
}

std::unique_ptr<JournalFormat> make_journal_format(std::string_view name) {
  if (name == "shake") return make_shake_format();
  if (name == "shake-legacy") return make_shake_legacy_format();
  if (name == "ninja-log") return make_ninja_log_format();
  if (name == "ninja-deps") return make_ninja_deps_format();
  if (name == "leveldb") return make_leveldb_format();
  return make_length_prefixed_format(name);
}

std::vector<std::string> journal_format_names() {
  return {"u32le", "u32le+crc32c", "u32be", "u32be+crc32c", "u64le", "u64le+crc32c",
          "shake", "shake-legacy", "ninja-log", "ninja-deps", "leveldb"};
}

}  // namespace crashfs
