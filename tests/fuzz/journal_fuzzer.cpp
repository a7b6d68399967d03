// libFuzzer target: one journal format's reader model
// (checkers/journal_format.h), built once per format with
// CRASHFS_JOURNAL_FORMAT set to its name (tests/fuzz/CMakeLists.txt).
// Contract checked on every input:
//   - entries are in file order, non-empty, disjoint and within the file;
//   - every damage lies within the file (offset and offset + length), before
//     or at the entries it is counted against, overlaps no entry, and one
//     in the middle names a resume offset after it and within the file; one
//     at the tail hides no entry;
//   - prefix consistency: cut just after any entry, the file reads as the
//     same entries up to that one, no more (the reader streams: what it
//     made of the bytes before cannot depend on bytes after);
//   - a second parse gives the same result (no hidden state);
//   - resumption (JournalFormat::parse_from): there is a checkpoint after
//     every entry of the clean prefix, and from any of them (up to 8,
//     spread) the rest of the file, or of the file cut halfway after it,
//     reads as the whole file does after it: the same entries and damage,
//     shifted, and a reset that discards the prefix's entries too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "checkers/journal_format.h"
#include "fuzz_contract.h"

#ifndef CRASHFS_JOURNAL_FORMAT
#error "build with -DCRASHFS_JOURNAL_FORMAT=\"u32le\" (or another journal format)"
#endif

using namespace crashfs;

namespace {

const JournalFormat& format() {
  static const std::unique_ptr<JournalFormat> f = make_journal_format(CRASHFS_JOURNAL_FORMAT);
  if (!f) {
    std::fprintf(stderr, "journal fuzzer: unknown format %s\n", CRASHFS_JOURNAL_FORMAT);
    std::abort();
  }
  return *f;
}

bool same_entries(const std::vector<JournalEntry>& a, const std::vector<JournalEntry>& b, std::size_t n) {
  if (a.size() < n || b.size() < n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (a[i].offset != b[i].offset || a[i].size != b[i].size || a[i].suspect != b[i].suspect) return false;
  return true;
}

void check_shape(std::string_view file, const JournalParse& p) {
  const std::uint64_t n = file.size();
  std::uint64_t end = 0;
  for (std::size_t i = 0; i < p.entries.size(); ++i) {
    const JournalEntry& e = p.entries[i];
    FUZZ_CONTRACT(e.size > 0 && e.offset >= end && e.offset <= n && e.size <= n - e.offset,
                  "entry {} at {} +{} (previous ends at {}, file {} bytes)", i, e.offset, e.size, end, n);
    end = e.offset + e.size;
  }
  const bool reset = p.reset();
  FUZZ_CONTRACT(!reset || p.entries.empty(), "{} entries used after a reset", p.entries.size());
  for (const JournalDamage& d : p.damage) {
    FUZZ_CONTRACT(d.offset <= n && d.length <= n - d.offset, "damage at {} +{} in a {}-byte file ({})", d.offset,
                  d.length, n, d.what);
    FUZZ_CONTRACT(!d.what.empty(), "damage at {} without a description", d.offset);
    if (d.at_tail) {
      FUZZ_CONTRACT(d.hidden_entries == 0, "damage at the tail ({}) hides {} entries", d.what, d.hidden_entries);
    } else {
      FUZZ_CONTRACT(d.resume_offset > d.offset && d.resume_offset <= n, "damage at {} resumes at {} (file {} bytes)",
                    d.offset, d.resume_offset, n);
    }
    if (reset) continue;
    FUZZ_CONTRACT(d.entry_index <= p.entries.size(), "damage counted after entry {} of {}", d.entry_index,
                  p.entries.size());
    for (std::size_t i = 0; i < p.entries.size(); ++i) {
      const JournalEntry& e = p.entries[i];
      const bool before = i < d.entry_index;
      FUZZ_CONTRACT(before ? e.offset + e.size <= d.offset : e.offset >= d.offset + d.length,
                    "entry {} at {} +{} and damage {} at {} +{} (counted after {} entries)", i, e.offset, e.size,
                    d.what, d.offset, d.length, d.entry_index);
    }
  }
}

// The parse as text: entries and damage, offsets shifted by `at`'s, entry
// indices by its entries, after `prefix` (the entries before `at`; none
// after a reset).
std::string text(const JournalParse& p, const ReaderCheckpoint& at, const std::vector<JournalEntry>& prefix) {
  std::string out;
  if (!p.reset())
    for (const JournalEntry& e : prefix) out += fmt::format("entry {}+{} {}\n", e.offset, e.size, e.suspect);
  for (const JournalEntry& e : p.entries) out += fmt::format("entry {}+{} {}\n", at.offset + e.offset, e.size, e.suspect);
  for (const JournalDamage& d : p.damage)
    out += fmt::format("damage {}+{} after {} {} {} tail {} short {} hides {} from {}\n", at.offset + d.offset, d.length,
                       at.entries + d.entry_index, d.what, static_cast<int>(d.response), d.at_tail, d.short_frame,
                       d.hidden_entries, d.resume_offset ? at.offset + d.resume_offset : 0);
  return out;
}

void check_resumption(std::string_view file, const JournalParse& whole) {
  std::vector<ReaderCheckpoint> checkpoints;
  (void)format().parse_from(ReaderCheckpoint{}, file, &checkpoints);
  const std::size_t clean = whole.damage.empty() ? whole.entries.size() : whole.damage.front().entry_index;
  FUZZ_CONTRACT(checkpoints.size() == clean, "{} checkpoints for a clean prefix of {} entries", checkpoints.size(), clean);
  std::vector<JournalEntry> prefix;
  for (const ReaderCheckpoint& at : checkpoints) prefix.push_back(*at.last);
  const std::size_t stride = std::max<std::size_t>(1, checkpoints.size() / 8);
  for (std::size_t k = 0; k < checkpoints.size(); k += stride) {
    const ReaderCheckpoint& at = checkpoints[k];
    const std::vector<JournalEntry> before(prefix.begin(), prefix.begin() + static_cast<std::ptrdiff_t>(k + 1));
    FUZZ_CONTRACT(at.entries == k + 1 && at.offset == at.last->offset + at.last->size,
                  "checkpoint {} at {} after {} entries", k, at.offset, at.entries);
    for (const std::uint64_t end : {std::uint64_t{file.size()}, at.offset + (file.size() - at.offset) / 2}) {
      const std::string_view cut = file.substr(0, end);
      const std::string expected = text(end == file.size() ? whole : format().parse(cut), ReaderCheckpoint{}, {});
      const std::string resumed = text(format().parse_from(at, cut.substr(at.offset)), at, before);
      FUZZ_CONTRACT(resumed == expected, "resumed at {} (after {} entries), the first {} bytes read\n{}instead of\n{}",
                    at.offset, at.entries, end, resumed, expected);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view file = fuzz::as_text(data, size);
  const JournalParse p = format().parse(file);
  check_shape(file, p);
  const JournalParse again = format().parse(file);
  FUZZ_CONTRACT(same_entries(p.entries, again.entries, p.entries.size()) && again.entries.size() == p.entries.size() &&
                    again.damage.size() == p.damage.size(),
                "two parses of the same bytes differ");

  // Prefix consistency, at up to 8 cuts spread over the entries.
  const std::size_t count = p.entries.size();
  const std::size_t stride = std::max<std::size_t>(1, count / 8);
  std::vector<std::size_t> cuts;
  for (std::size_t k = 0; k < count; k += stride) cuts.push_back(k);
  if (count > 0) cuts.push_back(count - 1);
  for (const std::size_t i : cuts) {
    const JournalEntry& e = p.entries[i];
    const std::string_view prefix = file.substr(0, e.offset + e.size);
    const JournalParse cut = format().parse(prefix);
    check_shape(prefix, cut);
    FUZZ_CONTRACT(cut.entries.size() == i + 1 && same_entries(cut.entries, p.entries, i + 1),
                  "cut after entry {} (at {} +{}), the file reads as {} entries, not the first {}", i, e.offset,
                  e.size, cut.entries.size(), i + 1);
  }
  check_resumption(file, p);
  return 0;
}
