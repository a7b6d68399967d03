// The journal checker over in-memory states: which files it checks, what a
// violation carries (checker, path, offset, grade, operations), acked files
// missing from the state, and verdict caching across states.
#include <boost/test/unit_test.hpp>

#include <set>
#include <tuple>

#include "checkers/journal_checker.h"
#include "core/memory_history.h"
#include "core/memory_state.h"
#include "tests/unit/journal_test_encoders.h"

using namespace crashfs;
using namespace crashfs::testing;

namespace {

struct NoVersions : VersionHistory {
  bool was_complete(std::string_view, const ContentHash&, Seq) const override { return false; }
};

// Integrity only: no history is given, so the oracle judges no history or
// durability.
std::vector<Violation> run(Checker& checker, const MemoryState& state, const MemoryState& completed) {
  NoVersions versions;
  CheckContext ctx{state, completed, versions, 100};
  std::vector<Violation> out;
  checker.check(ctx, out);
  return out;
}

std::string incident_bytes() {
  LengthPrefixedWriter w("u32le");
  std::string bytes;
  for (std::size_t i = 0; i < 4; ++i) bytes += w.entry(i, bytes.size());
  for (std::size_t i = 4; i < 6; ++i) bytes += w.entry(i, bytes.size()).substr(0, 30);
  for (std::size_t i = 6; i < 8; ++i) bytes += w.entry(i, bytes.size());
  return bytes;
}

}  // namespace

BOOST_AUTO_TEST_CASE(unknown_format_makes_no_checker) {
  BOOST_TEST(!make_journal_checker("u24le", "*.log"));
  BOOST_TEST(make_journal_checker("u32le", "*.log")->name() == "journal:u32le");
  BOOST_TEST(make_journal_checker("shake", "**/.shake.database")->name() == "journal:shake");
}

BOOST_AUTO_TEST_CASE(violation_names_checker_path_offset_grade_and_operations) {
  const std::string bytes = incident_bytes();
  MemoryState state;
  state.file("data/app.log", bytes).attribute("data/app.log", 42);
  auto checker = make_journal_checker("u32le", "data/*.log");
  const auto v = run(*checker, state, state);
  BOOST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].checker == "journal:u32le");
  BOOST_TEST(v[0].path == "data/app.log");
  BOOST_TEST(v[0].grade == "mid-file-damage");
  BOOST_TEST(v[0].offset > 0u);
  BOOST_TEST(v[0].offset < bytes.size());
  BOOST_TEST(v[0].ops == std::vector<Seq>{42}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(only_files_matching_the_glob_are_checked) {
  const std::string bytes = incident_bytes();
  MemoryState state;
  state.file("data/app.log", bytes).file("data/sub/deep.log", bytes).file("other.log", bytes).dir("data/x.log");
  auto shallow = make_journal_checker("u32le", "data/*.log");
  BOOST_TEST(run(*shallow, state, state).size() == 1u);
  auto deep = make_journal_checker("u32le", "**/*.log");
  BOOST_TEST(run(*deep, state, state).size() == 3u);
}

BOOST_AUTO_TEST_CASE(clean_journal_with_a_torn_tail_passes) {
  LengthPrefixedWriter w("u32le");
  const BuiltJournal j = build_journal(w, 6);
  MemoryState state, completed;
  state.file("j.log", j.bytes.substr(0, j.bytes.size() - 5));
  completed.file("j.log", j.bytes);
  auto checker = make_journal_checker("u32le", "j.log");
  BOOST_TEST(run(*checker, state, completed).empty());
}

BOOST_AUTO_TEST_CASE(a_journal_fsynced_then_missing_from_the_state_is_lost_acked) {
  // The run created j.log and fsynced it (moment 1); the crash state lacks
  // the file (its directory entry was never synced).
  LengthPrefixedWriter w("u32le+crc32c");
  const BuiltJournal j = build_journal(w, 4);
  MemoryState acked;
  acked.file("j.log", j.bytes).attribute("j.log", 7);
  MemoryHistory history;
  history.add(MemoryState{});
  history.add(acked);
  history.file_sync("j.log", 1);
  auto checker = make_journal_checker("u32le+crc32c", "*.log");
  NoVersions versions;
  MemoryState state;
  std::vector<Violation> v;
  checker->check(CheckContext{state, acked, versions, 100, &history, 1}, v);
  BOOST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].grade == "lost-acked");
  BOOST_TEST(v[0].path == "j.log");
  BOOST_TEST(v[0].reason.find("fsync(j.log)") != std::string::npos, v[0].reason);
}

BOOST_AUTO_TEST_CASE(zero_filled_payload_names_the_operations_of_both_views) {
  LengthPrefixedWriter w("u32le");
  const BuiltJournal j = build_journal(w, 5);
  std::string torn = j.bytes;
  for (std::size_t i = j.offsets[4] + 4; i < torn.size(); ++i) torn[i] = 0;
  MemoryState state, completed;
  state.file("j.log", torn).attribute("j.log", 3);
  completed.file("j.log", j.bytes).attribute("j.log", 9);
  auto checker = make_journal_checker("u32le", "j.log");
  const auto v = run(*checker, state, completed);
  BOOST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].grade == "torn-undetectable");
  BOOST_TEST(v[0].offset == j.offsets[4] + 4);
  BOOST_TEST(v[0].reason.find("reads as zeros") != std::string::npos, v[0].reason);
  BOOST_TEST(v[0].ops == (std::vector<Seq>{3, 9}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cached_verdicts_still_take_operations_from_each_state) {
  const std::string bytes = incident_bytes();
  auto checker = make_journal_checker("u32le", "*.log");
  MemoryState first, second;
  first.file("a.log", bytes).attribute("a.log", 5);
  second.file("a.log", bytes).attribute("a.log", 6);
  const auto v1 = run(*checker, first, first);
  const auto v2 = run(*checker, second, second);
  BOOST_REQUIRE(v1.size() == 1u);
  BOOST_REQUIRE(v2.size() == 1u);
  BOOST_TEST(v1[0].reason == v2[0].reason);
  BOOST_TEST(v1[0].ops == std::vector<Seq>{5}, boost::test_tools::per_element());
  BOOST_TEST(v2[0].ops == std::vector<Seq>{6}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(verdict_depends_on_the_completed_content_too) {
  LengthPrefixedWriter w("u32le");
  const BuiltJournal j = build_journal(w, 5);
  std::string torn = j.bytes;
  for (std::size_t i = j.offsets[4] + 4; i < torn.size(); ++i) torn[i] = 0;
  auto checker = make_journal_checker("u32le", "j.log");
  MemoryState state, same, real;
  state.file("j.log", torn);
  same.file("j.log", torn);    // the writer really wrote zeros: fine
  real.file("j.log", j.bytes);  // the writer wrote text: torn
  BOOST_TEST(run(*checker, state, same).empty());
  BOOST_TEST(run(*checker, state, real).size() == 1u);
  BOOST_TEST(run(*checker, state, same).empty());
}

BOOST_AUTO_TEST_CASE(mid_file_damage_names_the_writes_the_crash_lost) {
  LengthPrefixedWriter w("u32le+crc32c");
  const BuiltJournal j = build_journal(w, 5);
  std::string state_bytes = j.bytes;
  for (std::size_t i = j.offsets[1] + 8; i < j.offsets[2]; ++i) state_bytes[i] = 0;  // entry 1's payload lost
  MemoryState state, completed;
  state.file("j.log", state_bytes).attribute("j.log", 2);
  completed.file("j.log", j.bytes).attribute("j.log", 8);
  auto checker = make_journal_checker("u32le+crc32c", "j.log");
  const auto v = run(*checker, state, completed);
  BOOST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].grade == "mid-file-damage");
  BOOST_TEST(v[0].offset == j.offsets[1]);
  BOOST_TEST(v[0].reason.find("3 complete entries follow") != std::string::npos, v[0].reason);
  BOOST_TEST(v[0].ops == (std::vector<Seq>{2, 8}), boost::test_tools::per_element());
}

namespace {
struct OneVersion : VersionHistory {
  ContentHash hash;
  bool was_complete(std::string_view, const ContentHash& h, Seq) const override { return h == hash; }
};
}  // namespace

BOOST_AUTO_TEST_CASE(an_older_complete_version_is_not_silent_corruption) {
  // The writer rewrote the journal (compaction); the state still holds the
  // old journal, which was complete when it was last closed.
  LengthPrefixedWriter w("u32le");
  const BuiltJournal old_journal = build_journal(w, 4);
  std::string rewritten;
  for (std::size_t i = 10; i < 14; ++i) rewritten += w.entry(i, rewritten.size());
  MemoryState state, completed;
  state.file("j.log", old_journal.bytes);
  completed.file("j.log", rewritten);
  auto checker = make_journal_checker("u32le", "j.log");
  OneVersion old_is_complete;
  old_is_complete.hash = hash_bytes(old_journal.bytes);
  NoVersions none;
  std::vector<Violation> with_history, without;
  checker->check(CheckContext{state, completed, old_is_complete, 5}, with_history);
  checker->check(CheckContext{state, completed, none, 5}, without);
  BOOST_TEST(with_history.empty());
  BOOST_REQUIRE(without.size() == 1u);
  BOOST_TEST(without[0].grade == "silent-corruption");
}
