// Resuming a journal format's reader at a checkpoint is reading the whole
// file (JournalFormat::parse_from, journal_format.h).  For every format of
// journal_format_names(), for files from the fuzz corpus and generated ones
// (valid journals, the Shake incident's half entries, zeroed payloads,
// Shake records that reset the database, LevelDB records across blocks),
// at every entry boundary b of a file f's clean prefix (sampled on long
// files), and for files g that share f's first b bytes (f, f cut after b,
// its bytes after b zeroed, flipped, cut out or repeated):
//   - parse_from(checkpoint b, g after b) is parse(g) after b: the same
//     entries and damage, shifted, and a reset that discards the prefix's
//     entries too;
//   - judge_journal_from gives judge_journal's findings, also when the
//     reference's entries come from a JournalMainLine;
//   - JournalMainLine::view_after is journal_view, header-only files and
//     resets included.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "checkers/journal_checker.h"
#include "checkers/journal_format.h"
#include "checkers/journal_main_line.h"
#include "core/state_view.h"
#include "tests/unit/journal_test_encoders.h"

using namespace crashfs;
using namespace crashfs::testing;

namespace {

struct Sample {
  std::string name;
  std::string bytes;
};

// tests/fuzz/corpus/journal_<format, '+' and '-' as '_'>/*: real writers' files.
std::vector<Sample> corpus(const std::string& format) {
  std::string dir = "journal_" + format;
  for (char& c : dir)
    if (c == '+' || c == '-') c = '_';
  std::vector<Sample> out;
  const std::filesystem::path path = std::filesystem::path(CRASHFS_SOURCE_DIR) / "tests/fuzz/corpus" / dir;
  for (const auto& e : std::filesystem::directory_iterator(path)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    out.push_back({e.path().filename().string(), bytes.str()});
  }
  BOOST_TEST_REQUIRE(!out.empty(), "no corpus in " << path);
  return out;
}

std::vector<Sample> generated(const TestWriter& w) {
  std::vector<Sample> out;
  const BuiltJournal j = build_journal(w, 12);
  out.push_back({"valid", j.bytes});
  out.push_back({"header only", w.header()});
  // Two half entries in the middle (the Shake incident), entries after them.
  std::string incident = w.header();
  for (std::size_t i = 0; i < 9; ++i) {
    const std::string e = w.entry(i, incident.size());
    incident += i == 5 || i == 6 ? e.substr(0, e.size() / 2) : e;
  }
  out.push_back({"incident", incident});
  // A zeroed payload in the middle.
  std::string zeroed = j.bytes;
  for (std::uint64_t i = j.offsets[4] + w.payload_offset(4, j.offsets[4]); i < j.offsets[5]; ++i) zeroed[i] = 0;
  out.push_back({"zeroed payload", zeroed});
  if (w.format() == "shake") {
    const std::string record = ShakeWriter::record(7, 7, payload(70));  // witness 7 of 2: the database resets
    out.push_back({"reset at the tail", j.bytes + record});
    out.push_back({"reset in the middle", j.bytes.substr(0, j.offsets[8]) + record + j.bytes.substr(j.offsets[8])});
  }
  if (w.format() == "leveldb") out.push_back({"across blocks", build_journal(LevelDbWriter(true), 8).bytes});
  return out;
}

// Files that share `f`'s first `b` bytes and differ after them.
std::vector<std::string> variants(const std::string& f, std::uint64_t b) {
  std::vector<std::string> out{f};
  const std::uint64_t rest = f.size() - b;
  for (std::uint64_t cut : {std::uint64_t{0}, std::uint64_t{1}, rest / 3, rest / 2, rest > 0 ? rest - 1 : 0})
    out.push_back(f.substr(0, b + std::min(cut, rest)));
  if (rest > 0) {
    std::string zeros = f;
    for (std::uint64_t i = b + rest / 4; i < f.size(); ++i) zeros[i] = 0;
    out.push_back(zeros);
    std::string flipped = f;
    flipped[b + std::min<std::uint64_t>(5, rest - 1)] ^= 0x5a;
    out.push_back(flipped);
    out.push_back(f.substr(0, b) + f.substr(b + std::min<std::uint64_t>(3, rest)));  // bytes cut out
    out.push_back(f + f.substr(b, rest / 2));                                       // repeated
  }
  return out;
}

std::string text(const JournalEntry& e) {
  return std::to_string(e.offset) + "+" + std::to_string(e.size) + (e.suspect.empty() ? "" : " suspect " + e.suspect);
}

std::string text(const JournalDamage& d) {
  return std::to_string(d.offset) + "+" + std::to_string(d.length) + " after " + std::to_string(d.entry_index) + " " +
         d.what + " " + std::string(describe(d.response)) + (d.at_tail ? " tail" : " mid") + (d.short_frame ? " short" : "") +
         " hides " + std::to_string(d.hidden_entries) + " from " + std::to_string(d.resume_offset);
}

// The whole file's parse as resumed: the prefix's entries (none after a
// reset), then the resumed ones and its damage, shifted.
std::string whole_text(const JournalParse& p) {
  std::string out;
  for (const auto& e : p.entries) out += "entry " + text(e) + "\n";
  for (const auto& d : p.damage) out += "damage " + text(d) + "\n";
  return out;
}

std::string resumed_text(const std::vector<JournalEntry>& prefix, const ReaderCheckpoint& at, const JournalParse& resumed) {
  std::string out;
  if (!resumed.reset())
    for (std::size_t i = 0; i < at.entries; ++i) out += "entry " + text(prefix[i]) + "\n";
  for (JournalEntry e : resumed.entries) {
    e.offset += at.offset;
    out += "entry " + text(e) + "\n";
  }
  for (JournalDamage d : resumed.damage) {
    d.offset += at.offset;
    d.entry_index += at.entries;
    if (d.resume_offset) d.resume_offset += at.offset;
    out += "damage " + text(d) + "\n";
  }
  return out;
}

std::string text(const std::vector<JournalFinding>& findings) {
  std::string out;
  for (const auto& f : findings) {
    out += std::to_string(f.offset) + " " + f.grade + " " + f.reason + (f.differs_from_completed ? " (differs)" : "");
    for (const auto& r : f.ranges)
      out += " [" + std::to_string(static_cast<int>(r.view)) + " " + std::to_string(r.offset) + "+" + std::to_string(r.length) + "]";
    out += "\n";
  }
  return out;
}

std::string text(const Recovered& r) { return r.view.hex() + " " + r.summary; }

// At most `limit` of `all`, spread evenly, the first and the last included.
std::vector<ReaderCheckpoint> sample(std::vector<ReaderCheckpoint> all, std::size_t limit) {
  if (all.size() <= limit) return all;
  std::vector<ReaderCheckpoint> out;
  for (std::size_t k = 0; k < limit; ++k) out.push_back(all[k * (all.size() - 1) / (limit - 1)]);
  return out;
}

struct Counts {
  std::size_t boundaries = 0, files = 0, resets = 0, damaged = 0;
};

// Every property above for `f` in `format`.
void check_file(const JournalFormat& format, const std::string& f, Counts& counts) {
  std::vector<ReaderCheckpoint> checkpoints;
  const JournalParse whole_f = format.parse_from(ReaderCheckpoint{}, f, &checkpoints);
  // One checkpoint per entry of the clean prefix (a later reset included).
  const std::size_t clean = whole_f.damage.empty() ? whole_f.entries.size() : whole_f.damage.front().entry_index;
  BOOST_TEST_REQUIRE(checkpoints.size() == clean);
  std::vector<JournalEntry> prefix;
  for (const ReaderCheckpoint& at : checkpoints) {
    BOOST_TEST_REQUIRE(at.entries == prefix.size() + 1);
    prefix.push_back(*at.last);
    if (!whole_f.reset()) BOOST_TEST_REQUIRE(text(prefix.back()) == text(whole_f.entries[prefix.size() - 1]));
  }
  JournalMainLine line(format);
  line.extend(std::make_shared<BytesContent>(f));
  checkpoints.insert(checkpoints.begin(), ReaderCheckpoint{});
  // Long files (LevelDB's real logs) are sampled: each boundary parses every variant.
  for (const ReaderCheckpoint& at : sample(checkpoints, f.size() > 8192 ? 16 : 64)) {
    ++counts.boundaries;
    // judge_journal_from wants a prefix without suspect entries; so does the main line.
    bool suspect_before = false;
    for (std::size_t i = 0; i < at.entries; ++i) suspect_before = suspect_before || !prefix[i].suspect.empty();
    const JournalMainLine::Boundary& boundary = line.boundary_at(at.offset);
    const bool on_line = boundary.at.offset == at.offset && boundary.at.entries == at.entries;
    BOOST_TEST(on_line == !suspect_before);
    for (const std::string& g : variants(f, at.offset)) {
      ++counts.files;
      BOOST_TEST_CONTEXT("boundary at " << at.offset << " (" << at.entries << " entries), file of " << g.size() << " bytes") {
        const std::string_view tail = std::string_view(g).substr(at.offset);
        const JournalParse whole = format.parse(g);
        const JournalParse resumed = format.parse_from(at, tail);
        counts.resets += whole.reset() ? 1 : 0;
        counts.damaged += whole.damage.empty() ? 0 : 1;
        BOOST_TEST_REQUIRE(resumed_text(prefix, at, resumed) == whole_text(whole));
        if (suspect_before) continue;
        const std::string_view f_tail = std::string_view(f).substr(at.offset);
        BOOST_TEST_REQUIRE(text(judge_journal_from(format, at, tail, f_tail, f_tail)) == text(judge_journal(format, g, f, f)));
        BOOST_TEST_REQUIRE(text(judge_journal_from(format, at, tail, tail, std::nullopt)) ==
                           text(judge_journal(format, g, g, std::nullopt)));
        // The checker's way: the reference is the main line (f), its bytes
        // read only as far as the state's.
        const std::string_view f_reach = f_tail.substr(0, std::min(f_tail.size(), tail.size()));
        BOOST_TEST_REQUIRE(text(judge_journal_from(format, at, tail, tail, f_reach, nullptr, &line)) ==
                           text(judge_journal(format, g, g, f)));
        BOOST_TEST_REQUIRE(text(line.view_after(boundary, tail, resumed)) == text(journal_view(format, g)));
      }
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(resuming_at_every_boundary_of_the_clean_prefix_reads_as_the_whole_file) {
  for (const std::string& name : journal_format_names()) {
    BOOST_TEST_CONTEXT(name) {
      const auto format = make_journal_format(name);
      const auto writer = writer_for(name);
      BOOST_TEST_REQUIRE(writer);
      std::vector<Sample> files = corpus(name);
      for (Sample& s : generated(*writer)) files.push_back(std::move(s));
      Counts counts;
      for (const Sample& s : files) BOOST_TEST_CONTEXT(s.name) { check_file(*format, s.bytes, counts); }
      BOOST_TEST_MESSAGE(name << ": " << files.size() << " files, " << counts.boundaries << " boundaries, "
                              << counts.files << " files resumed (" << counts.damaged << " damaged, "
                              << counts.resets << " reset)");
      BOOST_TEST(counts.boundaries > 50u);
      BOOST_TEST(counts.damaged > 50u);
      if (name == "shake") BOOST_TEST(counts.resets > 10u);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_checkpoint_of_a_line_that_forks_still_reads_its_own_prefix) {
  // Ninja's deps log shares one path log between a line's checkpoints: a
  // line that forks (a different path under an id the log holds) must not
  // change what the older checkpoints know.
  const auto format = make_journal_format("ninja-deps");
  const NinjaDepsWriter w;
  const BuiltJournal j = build_journal(w, 8);
  std::vector<ReaderCheckpoint> first;
  (void)format->parse_from(ReaderCheckpoint{}, j.bytes, &first);
  BOOST_TEST_REQUIRE(first.size() == 9u);  // the header and 8 entries
  // Fork after entry 3 (node 1's deps): node 2 gets another path.
  const ReaderCheckpoint& fork_at = first[4];
  const std::string forked = NinjaDepsWriter::path_record("src/forked.h", 2) + w.entry(6, 0);
  std::vector<ReaderCheckpoint> second;
  const JournalParse p = format->parse_from(fork_at, forked, &second);
  BOOST_TEST_REQUIRE(p.clean());
  BOOST_TEST_REQUIRE(second.size() == 2u);
  // The old line's checkpoint after node 2's original path still knows it
  // (so a second record of it is "recorded twice") and not the forked one.
  const std::string again = NinjaDepsWriter::path_record("src/dir4/header4.h", 3);
  const std::string forked_again = NinjaDepsWriter::path_record("src/forked.h", 3);
  const JournalParse old_line = format->parse_from(first[5], again);
  BOOST_TEST_REQUIRE(old_line.damage.size() == 1u);
  BOOST_TEST(old_line.damage.front().what == "path recorded twice");
  BOOST_TEST(format->parse_from(first[5], forked_again).clean());
  // And the new line's the other way round.
  const JournalParse new_line = format->parse_from(second[0], forked_again);
  BOOST_TEST_REQUIRE(new_line.damage.size() == 1u);
  BOOST_TEST(new_line.damage.front().what == "path recorded twice");
  BOOST_TEST(format->parse_from(second[0], again).clean());
}
