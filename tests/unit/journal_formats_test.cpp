// Every journal format through judge_journal(): valid journals torn at every
// length, zero-filled tails, the Shake incident's two half entries in the
// middle, valid lengths over zero-filled payloads, lost acknowledged entries.
#include <boost/test/unit_test.hpp>

#include <random>
#include <set>
#include <string>

#include "checkers/journal_checker.h"
#include "checkers/journal_format.h"
#include "core/memory_history.h"
#include "tests/unit/journal_test_encoders.h"

using namespace crashfs;
using namespace crashfs::testing;

namespace {

constexpr std::size_t kEntries = 9;

std::unique_ptr<JournalFormat> format_of(const TestWriter& w) {
  auto f = make_journal_format(w.format());
  BOOST_REQUIRE_MESSAGE(f, "no format " << w.format());
  return f;
}

std::string grades(const std::vector<JournalFinding>& findings) {
  std::string out;
  for (const auto& f : findings) out += f.grade + " (" + f.reason + "); ";
  return out;
}

bool has_grade(const std::vector<JournalFinding>& findings, std::string_view grade) {
  for (const auto& f : findings)
    if (f.grade == grade) return true;
  return false;
}

// The Shake incident: complete entries, then two entries of which only the
// first half was written (two threads killed mid-entry), then complete
// entries appended by threads that were not killed.
std::string incident(const TestWriter& w) {
  std::string bytes = w.header();
  for (std::size_t i = 0; i < 5; ++i) bytes += w.entry(i, bytes.size());
  for (std::size_t i = 5; i < 7; ++i) {
    const std::string whole = w.entry(i, bytes.size());
    bytes += whole.substr(0, whole.size() / 2);
  }
  for (std::size_t i = 7; i < 9; ++i) bytes += w.entry(i, bytes.size());
  return bytes;
}

// Entry `which` written with its framing but a zero-filled payload.
std::string zero_payload(const TestWriter& w, std::size_t which, std::size_t entries) {
  BuiltJournal j = build_journal(w, entries);
  const std::uint64_t at = j.offsets[which];
  const std::uint64_t end = which + 1 < entries ? j.offsets[which + 1] : j.bytes.size();
  const std::uint64_t from = at + w.payload_offset(which, at);
  for (std::uint64_t i = from; i < end; ++i) j.bytes[i] = 0;
  return j.bytes;
}

}  // namespace

BOOST_AUTO_TEST_CASE(valid_journals_parse_whole_with_every_entry) {
  for (const auto& w : all_writers()) {
    BOOST_TEST_CONTEXT(w->format()) {
      const BuiltJournal j = build_journal(*w, kEntries);
      const JournalParse p = format_of(*w)->parse(j.bytes);
      BOOST_TEST(p.clean());
      BOOST_TEST(p.entries.size() == w->header_entries() + kEntries);
      BOOST_TEST(p.entries.back().offset == j.offsets.back());
      BOOST_TEST(judge_journal(*format_of(*w), j.bytes, j.bytes, j.bytes).empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(truncation_at_every_length_is_a_clean_or_detected_torn_tail) {
  for (const auto& w : all_writers()) {
    BOOST_TEST_CONTEXT(w->format()) {
      const auto format = format_of(*w);
      const BuiltJournal j = build_journal(*w, kEntries);
      for (std::size_t len = 0; len <= j.bytes.size(); ++len) {
        const std::string_view cut = std::string_view(j.bytes).substr(0, len);
        const JournalParse p = format->parse(cut);
        for (const auto& d : p.damage) {
          BOOST_TEST_CONTEXT("length " << len << ": " << d.what) {
            BOOST_TEST(d.at_tail);
            BOOST_TEST(d.hidden_entries == 0u);
          }
        }
        // Process kill (the completed state is the same prefix) and power
        // loss of an unsynced tail (the writer wrote everything).
        const auto killed = judge_journal(*format, cut, cut);
        const auto lost = judge_journal(*format, cut, j.bytes);
        BOOST_TEST(killed.empty(), "length " << len << ": " << grades(killed));
        BOOST_TEST(lost.empty(), "length " << len << ": " << grades(lost));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(truncated_journal_loses_entries_acked_before_the_cut) {
  struct NoVersions : VersionHistory {
    bool was_complete(std::string_view, const ContentHash&, Seq) const override { return false; }
  } versions;
  for (const auto& w : all_writers()) {
    BOOST_TEST_CONTEXT(w->format()) {
      const BuiltJournal j = build_journal(*w, kEntries);
      // The run created the file (moment 1), appended the entries one by
      // one (moment k + 1: the first k entries) and fsynced the file after
      // entry 5 (moment 7).
      MemoryHistory history;
      history.add(MemoryState{});
      for (std::size_t k = 0; k <= kEntries; ++k) {
        MemoryState at;
        at.file("j.log", j.bytes.substr(0, k < kEntries ? j.offsets[k] : j.bytes.size()));
        history.add(std::move(at));
      }
      history.file_sync("j.log", 7);
      const MemoryState& last = dynamic_cast<const MemoryState&>(*history.state_at(kEntries + 1));
      auto judge = [&](const MemoryState& state) {
        auto checker = make_journal_checker(w->format(), "j.log");
        std::vector<Violation> out;
        checker->check(CheckContext{state, last, versions, 100, &history, kEntries + 1}, out);
        std::set<std::string> grades;
        for (const auto& v : out) grades.insert(v.grade);
        return grades;
      };
      // Cut inside entry 4: entries 4 and 5 were acknowledged and are gone.
      MemoryState cut;
      cut.file("j.log", j.bytes.substr(0, j.offsets[4] + 3));
      BOOST_TEST(judge(cut).count("lost-acked"));
      // Cut after entry 5: every acknowledged entry is there.
      MemoryState whole;
      whole.file("j.log", j.bytes.substr(0, j.offsets[7] + 2));
      BOOST_TEST(judge(whole).empty());
      // A missing file loses them all.
      BOOST_TEST(judge(MemoryState{}).count("lost-acked"));
    }
  }
}

BOOST_AUTO_TEST_CASE(zero_filled_tails_are_detected_by_checksummed_formats_only) {
  const std::set<std::string> detects = {"u32le+crc32c", "u32be+crc32c", "u64le+crc32c", "leveldb", "ninja-log"};
  for (const auto& w : all_writers()) {
    BOOST_TEST_CONTEXT(w->format()) {
      const auto format = format_of(*w);
      const BuiltJournal j = build_journal(*w, kEntries);
      std::size_t undetected = 0;
      for (std::size_t k = 1; k <= j.bytes.size() - j.offsets[4]; ++k) {
        std::string state = j.bytes;
        for (std::size_t i = state.size() - k; i < state.size(); ++i) state[i] = 0;
        const auto findings = judge_journal(*format, state, j.bytes, std::nullopt);
        if (findings.empty()) continue;
        ++undetected;
        for (const auto& f : findings)
          BOOST_TEST((f.grade == "torn-undetectable" || f.grade == "silent-corruption" || f.grade == "full-rebuild"),
                     "zeros " << k << ": " << f.grade << ": " << f.reason);
      }
      if (detects.count(w->format()))
        BOOST_TEST(undetected == 0u);
      else
        BOOST_TEST(undetected > 0u, "a format without checksums cannot tell every zero-filled tail");
    }
  }
}

BOOST_AUTO_TEST_CASE(two_half_entries_in_the_middle_are_a_violation) {
  for (const auto& w : all_writers()) {
    BOOST_TEST_CONTEXT(w->format()) {
      const auto format = format_of(*w);
      const std::string bytes = incident(*w);
      // Process kill: the state is exactly what the threads wrote.
      const auto findings = judge_journal(*format, bytes, bytes, std::nullopt);
      BOOST_TEST((has_grade(findings, "mid-file-damage") || has_grade(findings, "silent-corruption")), grades(findings));
      const JournalParse p = format->parse(bytes);
      if (w->format() != "ninja-log") {
        // The damage is in the middle; ninja-log glues the halves to the
        // next line instead (accepted garbage: silent corruption).
        BOOST_TEST(has_grade(findings, "mid-file-damage"), grades(findings));
        BOOST_REQUIRE(!p.damage.empty());
        BOOST_TEST(!p.damage.front().at_tail);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(shake_incident_reason_names_the_lost_entries_and_the_truncation) {
  ShakeWriter w;
  const std::string bytes = incident(w);
  const auto findings = judge_journal(*make_journal_format("shake"), bytes, bytes, std::nullopt);
  BOOST_REQUIRE(!findings.empty());
  const JournalFinding& f = findings.front();
  BOOST_TEST(f.grade == "mid-file-damage");
  BOOST_TEST(f.reason.find("2 complete entries follow") != std::string::npos, f.reason);
  BOOST_TEST(f.reason.find("truncates the journal there") != std::string::npos, f.reason);
  BOOST_TEST(f.reason.find("2 later entries lost") != std::string::npos, f.reason);
}

BOOST_AUTO_TEST_CASE(valid_length_over_zero_payload_is_silent_without_checksum_and_detected_with_one) {
  const std::set<std::string> detects = {"u32le+crc32c", "u32be+crc32c", "u64le+crc32c", "leveldb"};
  for (const auto& w : all_writers()) {
    if (w->format() == "ninja-log") continue;  // text: no length field
    BOOST_TEST_CONTEXT(w->format()) {
      const auto format = format_of(*w);
      const BuiltJournal j = build_journal(*w, kEntries);
      // ninja-deps: entry 7 is a deps record (no checksum at all); its path
      // records carry a ~id check, tested apart.
      const std::string tail = zero_payload(*w, kEntries - 2, kEntries - 1);
      const std::string completed = j.bytes.substr(0, j.offsets[kEntries - 1]);
      const auto at_tail = judge_journal(*format, tail, completed, std::nullopt);
      const std::string middle = zero_payload(*w, 3, kEntries);
      const auto in_middle = judge_journal(*format, middle, j.bytes, std::nullopt);
      if (detects.count(w->format())) {
        BOOST_TEST(at_tail.empty(), grades(at_tail));
        BOOST_TEST(has_grade(in_middle, "mid-file-damage"), grades(in_middle));
      } else {
        BOOST_TEST(has_grade(at_tail, "torn-undetectable"), grades(at_tail));
        BOOST_TEST(has_grade(in_middle, "silent-corruption"), grades(in_middle));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(ninja_deps_path_record_over_zeros_fails_its_id_check) {
  NinjaDepsWriter w;
  const auto format = make_journal_format("ninja-deps");
  const BuiltJournal j = build_journal(w, kEntries);
  const std::string tail = zero_payload(w, kEntries - 1, kEntries);  // entry 8: a path record
  BOOST_TEST(judge_journal(*format, tail, j.bytes, std::nullopt).empty());
  const JournalParse p = format->parse(tail);
  BOOST_REQUIRE(p.damage.size() == 1u);
  BOOST_TEST(p.damage[0].what.find("checksum") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(shake_zero_length_chunk_at_the_tail_resets_the_database) {
  ShakeWriter w;
  const auto format = make_journal_format("shake");
  BuiltJournal j = build_journal(w, 4);
  const std::string completed = j.bytes + w.entry(4, j.bytes.size());
  const std::string state = j.bytes + std::string(4, '\0');  // size grew, data lost
  const auto findings = judge_journal(*format, state, completed, std::nullopt);
  BOOST_TEST(has_grade(findings, "full-rebuild"), grades(findings));
  BOOST_TEST(format->parse(state).entries.empty());
  // The same torn chunk right after the header loses nothing: no finding.
  const std::string header_only = w.header() + std::string(4, '\0');
  BOOST_TEST(judge_journal(*format, header_only, w.header() + w.entry(0, w.header().size()), std::nullopt).empty());
}

BOOST_AUTO_TEST_CASE(shake_record_with_unknown_witness_in_the_middle_resets) {
  ShakeWriter w;
  const auto format = make_journal_format("shake");
  BuiltJournal j = build_journal(w, 6);
  j.bytes[j.offsets[2] + 4] = 9;  // witness index 9 of 2
  const auto findings = judge_journal(*format, j.bytes, j.bytes, std::nullopt);
  BOOST_REQUIRE(has_grade(findings, "mid-file-damage"));
  BOOST_TEST(findings.front().reason.find("full rebuild: data lost") != std::string::npos, findings.front().reason);
  BOOST_TEST(findings.front().reason.find("witness index out of bounds") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(shake_legacy_reads_a_version_line_then_big_endian_chunks) {
  const auto format = make_journal_format("shake-legacy");
  std::string bytes = "SHAKE-DATABASE-4-1\r\n";
  auto chunk = [](const std::string& p) {
    std::string out;
    put32be(out, static_cast<std::uint32_t>(p.size()));
    return out + p;
  };
  bytes += chunk("witness");
  for (std::size_t i = 0; i < 4; ++i) bytes += chunk(payload(i));
  const JournalParse p = format->parse(bytes);
  BOOST_TEST(p.clean());
  BOOST_TEST(p.entries.size() == 6u);
  for (std::size_t len = 0; len <= bytes.size(); ++len)
    BOOST_TEST(judge_journal(*format, bytes.substr(0, len), bytes, std::nullopt).empty(), "length " << len);
}

BOOST_AUTO_TEST_CASE(ninja_log_skips_an_unparsable_line_and_reports_it_mid_file) {
  NinjaLogWriter w;
  const auto format = make_journal_format("ninja-log");
  BuiltJournal j = build_journal(w, 5);
  std::string state = j.bytes;
  // Line 2 loses its content to zeros but keeps its newline.
  for (std::uint64_t i = j.offsets[2]; i + 1 < j.offsets[3]; ++i) state[i] = 0;
  const auto findings = judge_journal(*format, state, j.bytes, std::nullopt);
  BOOST_TEST(has_grade(findings, "mid-file-damage"), grades(findings));
  BOOST_TEST(format->parse(state).entries.size() == 1u + 4u);
}

BOOST_AUTO_TEST_CASE(ninja_headers_that_are_not_theirs_start_over) {
  NinjaLogWriter log;
  BuiltJournal j = build_journal(log, 3);
  std::string state = j.bytes;
  state[2] = 'X';
  const auto findings = judge_journal(*make_journal_format("ninja-log"), state, j.bytes, std::nullopt);
  BOOST_REQUIRE(has_grade(findings, "mid-file-damage"));
  BOOST_TEST(findings.front().reason.find("full rebuild") != std::string::npos);

  NinjaDepsWriter deps;
  BuiltJournal d = build_journal(deps, 3);
  std::string bad = d.bytes;
  bad[12] = 5;  // version 5
  const JournalParse p = make_journal_format("ninja-deps")->parse(bad);
  BOOST_TEST(p.reset());
  BOOST_TEST(p.entries.empty());
}

BOOST_AUTO_TEST_CASE(leveldb_multi_block_journal_torn_anywhere_is_clean) {
  LevelDbWriter w(true);
  const auto format = make_journal_format("leveldb");
  const BuiltJournal j = build_journal(w, 12);
  BOOST_REQUIRE(j.bytes.size() > 3 * 32768);
  const JournalParse whole = format->parse(j.bytes);
  BOOST_TEST(whole.clean());
  BOOST_TEST(whole.entries.size() == 12u);
  for (std::size_t len = 0; len <= j.bytes.size(); len += (len % 32768 < 64 || len % 32768 > 32700) ? 1 : 61) {
    const auto findings = judge_journal(*format, std::string_view(j.bytes).substr(0, len), j.bytes, std::nullopt);
    BOOST_TEST(findings.empty(), "length " << len << ": " << grades(findings));
  }
}

BOOST_AUTO_TEST_CASE(leveldb_zero_filled_block_before_surviving_blocks_loses_records_silently) {
  LevelDbWriter w(true);
  const auto format = make_journal_format("leveldb");
  BuiltJournal j = build_journal(w, 12);
  std::string state = j.bytes;
  // An unsynced write in block 0 never reached the disk; later blocks did.
  for (std::uint64_t i = j.offsets[1]; i < 32768; ++i) state[i] = 0;
  const auto findings = judge_journal(*format, state, j.bytes, std::nullopt);
  BOOST_TEST(has_grade(findings, "mid-file-damage"), grades(findings));
  const JournalParse p = format->parse(state);
  BOOST_REQUIRE(!p.damage.empty());
  BOOST_TEST((p.damage.front().response == ReaderResponse::kSkip));
  BOOST_TEST(p.damage.front().what.find("without a report") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(acked_entries_damaged_in_the_middle_are_lost) {
  LengthPrefixedWriter w("u32le+crc32c");
  const auto format = make_journal_format("u32le+crc32c");
  const BuiltJournal j = build_journal(w, kEntries);
  const std::string state_bytes = zero_payload(w, 2, kEntries);
  BOOST_TEST(has_grade(judge_journal(*format, state_bytes, j.bytes), "mid-file-damage"));
  // The run appended the entries one by one and fsynced after entry 4
  // (moment 5): the reader, which truncates at the damage, lacks entries
  // 2..4 that were acknowledged.
  MemoryHistory history;
  for (std::size_t k = 0; k <= kEntries; ++k) {
    MemoryState at;
    at.file("j.log", j.bytes.substr(0, k < kEntries ? j.offsets[k] : j.bytes.size()));
    history.add(std::move(at));
  }
  history.file_sync("j.log", 5);
  struct NoVersions : VersionHistory {
    bool was_complete(std::string_view, const ContentHash&, Seq) const override { return false; }
  } versions;
  MemoryState state;
  state.file("j.log", state_bytes);
  auto checker = make_journal_checker("u32le+crc32c", "j.log");
  std::vector<Violation> out;
  checker->check(CheckContext{state, *dynamic_cast<const MemoryState*>(history.state_at(kEntries).get()), versions,
                              100, &history, kEntries},
                 out);
  std::set<std::string> found;
  for (const auto& v : out) found.insert(v.grade);
  BOOST_TEST(found.count("mid-file-damage"));
  BOOST_TEST(found.count("lost-acked"));
}

BOOST_AUTO_TEST_CASE(hostile_bytes_never_break_a_parser_and_entries_stay_inside_the_file) {
  std::mt19937_64 rng(12345);
  std::vector<std::string> names = journal_format_names();
  for (const auto& w : all_writers()) {
    const BuiltJournal j = build_journal(*w, kEntries);
    for (const auto& name : names) {
      const auto format = make_journal_format(name);
      for (int round = 0; round < 60; ++round) {
        std::string bytes = j.bytes;
        const int flips = 1 + static_cast<int>(rng() % 8);
        for (int k = 0; k < flips; ++k) {
          const std::size_t at = rng() % bytes.size();
          switch (rng() % 3) {
            case 0: bytes[at] = static_cast<char>(rng()); break;
            case 1: bytes[at] = 0; break;
            default: bytes.resize(at); break;
          }
          if (bytes.empty()) bytes = "x";
        }
        const JournalParse p = format->parse(bytes);
        std::uint64_t end = 0;
        bool inside = true;
        for (const auto& e : p.entries) {
          inside = inside && e.offset >= end && e.offset + e.size <= bytes.size();
          end = e.offset + e.size;
        }
        for (const auto& d : p.damage) inside = inside && d.offset + d.length <= bytes.size();
        if (!inside) BOOST_ERROR(name << " on mutated " << w->format() << ": entry or damage outside the file");
        (void)judge_journal(*format, bytes, j.bytes, j.bytes);
      }
    }
  }
}
