// The atomic checker: a matching file must be absent or equal a version of
// its path that was complete by the crash point.
#include <boost/test/unit_test.hpp>

#include <set>
#include <tuple>

#include "checkers/atomic_checker.h"
#include "checkers/view_oracle.h"
#include "core/memory_history.h"
#include "core/memory_state.h"

using namespace crashfs;

namespace {

// Complete versions: (path, content, seq at which it became complete);
// each one's bytes are a moment of `history`.
struct FakeVersions : VersionHistory {
  std::set<std::tuple<std::string, ContentHash, Seq, std::size_t>> complete;
  MemoryHistory history;
  void add(std::string path, std::string_view content, Seq seq) {
    MemoryState at;
    at.file(path, std::string(content));
    const std::size_t moment = history.add(std::move(at));
    complete.emplace(std::move(path), hash_bytes(content), seq, moment);
  }
  bool was_complete(std::string_view path, const ContentHash& hash, Seq crash_point) const override {
    for (const auto& [p, h, seq, m] : complete)
      if (p == path && h == hash && seq <= crash_point) return true;
    return false;
  }
  std::optional<CompleteVersion> last_complete(std::string_view path, Seq crash_point) const override {
    std::optional<CompleteVersion> best;
    for (const auto& [p, h, seq, m] : complete)
      if (p == path && seq <= crash_point && (!best || seq > best->seq)) best = CompleteVersion{p, m, seq};
    return best;
  }
};

const std::string kOld = "mode = fast\nlevel = 3\n";
const std::string kNew = "mode = careful\nlevel = 7\nextra = yes\n";

// Integrity only (no history given to the oracle), with `versions`' history
// giving the bytes of complete versions.
std::vector<Violation> run(const MemoryState& state, const MemoryState& completed, const FakeVersions& versions,
                           Seq crash_point, const std::string& glob = "settings.conf") {
  auto checker = make_atomic_checker(glob);
  std::vector<Violation> out;
  auto& reader = dynamic_cast<OracleChecker&>(*checker).reader();
  CheckContext ctx{state, completed, versions, crash_point, &versions.history, 0};
  std::vector<std::string> units;
  reader.units(state, units);
  for (const auto& u : units) reader.integrity(ctx, u, out);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(complete_versions_and_absence_pass) {
  FakeVersions versions;
  versions.add("settings.conf", kOld, 1);
  versions.add("settings.conf", kNew, 10);
  MemoryState old_state, new_state, absent, completed;
  old_state.file("settings.conf", kOld);
  new_state.file("settings.conf", kNew);
  completed.file("settings.conf", kNew);
  BOOST_TEST(run(old_state, completed, versions, 20).empty());
  BOOST_TEST(run(new_state, completed, versions, 20).empty());
  BOOST_TEST(run(absent, completed, versions, 20).empty());
}

BOOST_AUTO_TEST_CASE(truncated_file_is_named_with_the_offset_where_it_ends) {
  FakeVersions versions;
  versions.add("settings.conf", kNew, 10);
  MemoryState state, completed;
  state.file("settings.conf", kNew.substr(0, 9)).attribute("settings.conf", 8);
  completed.file("settings.conf", kNew).attribute("settings.conf", 8);
  const auto v = run(state, completed, versions, 20);
  BOOST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].checker == "atomic");
  BOOST_TEST(v[0].path == "settings.conf");
  BOOST_TEST(v[0].grade == "not-atomic");
  BOOST_TEST(v[0].offset == 9u);
  BOOST_TEST(v[0].reason.find("ends there") != std::string::npos, v[0].reason);
  BOOST_TEST(v[0].ops == std::vector<Seq>{8}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(zero_filled_tail_is_named_at_its_first_zero_with_both_views_operations) {
  FakeVersions versions;
  versions.add("settings.conf", kNew, 10);
  std::string torn = kNew;
  for (std::size_t i = 16; i < torn.size(); ++i) torn[i] = 0;
  MemoryState state, completed;
  state.file("settings.conf", torn).attribute("settings.conf", 4);
  completed.file("settings.conf", kNew).attribute("settings.conf", 6);
  const auto v = run(state, completed, versions, 20);
  BOOST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].offset == 16u);
  BOOST_TEST(v[0].reason.find("reads as zeros") != std::string::npos, v[0].reason);
  BOOST_TEST(v[0].ops == (std::vector<Seq>{4, 6}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_version_complete_only_after_the_crash_point_does_not_count) {
  FakeVersions versions;
  versions.add("settings.conf", kNew, 30);
  MemoryState state;
  state.file("settings.conf", kNew);
  BOOST_TEST(run(state, state, versions, 20).size() == 1u);
  BOOST_TEST(run(state, state, versions, 30).empty());
}

BOOST_AUTO_TEST_CASE(nearest_version_prefers_a_complete_one) {
  FakeVersions versions;
  versions.add("settings.conf", kOld, 1);
  // The crash-free run was mid-way through writing kNew (incomplete); the
  // last complete version is the old one.  A mix of old and new differs from both.
  std::string mixed = kOld;
  mixed[0] = 'X';
  MemoryState state, completed;
  state.file("settings.conf", mixed);
  completed.file("settings.conf", kNew.substr(0, 12));
  const auto v = run(state, completed, versions, 20);
  BOOST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].offset == 0u);
  BOOST_TEST(v[0].reason.find("last complete version") != std::string::npos, v[0].reason);
}

BOOST_AUTO_TEST_CASE(only_matching_regular_files_are_checked) {
  FakeVersions versions;
  MemoryState state;
  state.file("conf/a.conf", "torn").file("conf/b.txt", "torn").symlink("conf/c.conf", "a.conf").file("top.conf", "torn");
  const auto v = run(state, state, versions, 5, "conf/*.conf");
  BOOST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].path == "conf/a.conf");
  BOOST_TEST(v[0].reason.find("had no such file") == std::string::npos, v[0].reason);
  MemoryState nowhere;
  const auto w = run(state, nowhere, versions, 5, "top.conf");
  BOOST_REQUIRE(w.size() == 1u);
  BOOST_TEST(w[0].reason.find("had no such file") != std::string::npos, w[0].reason);
}

BOOST_AUTO_TEST_CASE(process_kill_mid_update_says_so_and_compares_with_the_last_complete_version) {
  FakeVersions versions;
  versions.add("settings.conf", kOld, 1);
  const std::string partial = kNew.substr(0, 12);  // written so far by an in-place rewrite
  MemoryState state;
  state.file("settings.conf", partial);
  const auto v = run(state, state, versions, 20);
  BOOST_REQUIRE(v.size() == 1u);
  BOOST_TEST(v[0].reason.find("in the middle of an update") != std::string::npos, v[0].reason);
  BOOST_TEST(v[0].reason.find("last complete version") != std::string::npos, v[0].reason);
  BOOST_TEST(v[0].offset == 7u);  // "mode = " is common to both
}
