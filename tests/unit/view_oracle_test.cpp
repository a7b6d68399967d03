// The oracle (checkers/view_oracle.h) with a reader of plain files: a file's
// view is its bytes.  History: the view must be one the run passed through
// by the crash; durability: not older than the latest acknowledgement.
#include <boost/test/unit_test.hpp>

#include <set>

#include "checkers/view_oracle.h"
#include "core/memory_history.h"

using namespace crashfs;

namespace {

// Units: every file under "db/"; the view is the content; "BAD" is damage.
class BytesReader : public ViewReader {
 public:
  std::string name() const override { return "bytes"; }
  std::string scope() const override { return "files under db/"; }
  bool file_scoped() const override { return file_scoped_; }
  void units(const StateView& state, std::vector<std::string>& out) override {
    for (const FileEntry& e : state.entries())
      if (e.kind == NodeKind::kFile && e.path.rfind("db/", 0) == 0) out.push_back(e.path);
  }
  Recovered recover(const StateView& state, std::string_view, const std::string& unit) override {
    ++recovered;
    const FileEntry* e = state.find(unit);
    if (e == nullptr) return Recovered{kAbsentView, "absent"};
    const std::string bytes = state.read(*e);
    return Recovered{ViewDigest().add(bytes).finish(), "\"" + bytes + "\""};
  }
  void integrity(const CheckContext& ctx, const std::string& unit, std::vector<Violation>& out) override {
    const FileEntry* e = ctx.state.find(unit);
    if (e != nullptr && ctx.state.read(*e) == "BAD") {
      Violation v;
      v.path = unit;
      v.grade = "damaged";
      out.push_back(v);
    }
  }
  bool file_scoped_ = false;
  int recovered = 0;
};

struct NoVersions : VersionHistory {
  bool was_complete(std::string_view, const ContentHash&, Seq) const override { return false; }
};

MemoryState with(std::string content) {
  MemoryState s;
  if (!content.empty()) s.file("db/x", std::move(content));
  return s;
}

// A run through: absent, "v1", "v2", "v1", "v3" (moments 0..4).
MemoryHistory run_history() {
  MemoryHistory h;
  for (const char* c : {"", "v1", "v2", "v1", "v3"}) h.add(with(c));
  return h;
}

std::set<std::string> grades(OracleChecker& checker, const MemoryState& state, const MemoryHistory& history,
                             std::size_t moment) {
  NoVersions versions;
  const MemoryState& completed = dynamic_cast<const MemoryState&>(*history.state_at(moment));
  std::vector<Violation> out;
  checker.check(CheckContext{state, completed, versions, 0, &history, moment}, out);
  std::set<std::string> g;
  for (const auto& v : out) g.insert(v.grade);
  return g;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_view_the_run_passed_through_by_the_crash_is_consistent) {
  const MemoryHistory h = run_history();
  OracleChecker checker(std::make_unique<BytesReader>());
  BOOST_TEST(grades(checker, with("v2"), h, 2).empty());
  BOOST_TEST(grades(checker, with(""), h, 4).empty());   // absent: the run began without it
  BOOST_TEST(grades(checker, with("v1"), h, 4).empty());
}

BOOST_AUTO_TEST_CASE(a_view_the_run_only_reached_later_or_never_is_an_inconsistent_recovery) {
  const MemoryHistory h = run_history();
  OracleChecker checker(std::make_unique<BytesReader>());
  BOOST_TEST(grades(checker, with("v2"), h, 1) == std::set<std::string>{"inconsistent-recovery"});
  BOOST_TEST(grades(checker, with("v1v2"), h, 4) == std::set<std::string>{"inconsistent-recovery"});
}

BOOST_AUTO_TEST_CASE(a_view_older_than_the_acknowledgement_is_lost_acked) {
  MemoryHistory h = run_history();
  h.acknowledge(2, "stdout line \"v2 saved\"");
  OracleChecker checker(std::make_unique<BytesReader>());
  const std::set<std::string> lost{"lost-acked"};
  BOOST_TEST(grades(checker, with(""), h, 2) == lost);
  BOOST_TEST(grades(checker, with("v2"), h, 2).empty());
  // "v1" again after the acknowledgement (moment 3): a view that repeats is
  // older only if the run never showed it at or after the acknowledgement.
  BOOST_TEST(grades(checker, with("v1"), h, 2) == lost);
  BOOST_TEST(grades(checker, with("v1"), h, 3).empty());
  BOOST_TEST(grades(checker, with("v2"), h, 4).empty());
}

BOOST_AUTO_TEST_CASE(a_file_sync_acknowledges_its_file_only_for_file_scoped_readers) {
  MemoryHistory h = run_history();
  h.file_sync("db/x", 2);
  auto plain = std::make_unique<BytesReader>();
  OracleChecker not_scoped(std::move(plain));
  BOOST_TEST(grades(not_scoped, with("v1"), h, 2).empty());
  auto scoped_reader = std::make_unique<BytesReader>();
  scoped_reader->file_scoped_ = true;
  OracleChecker scoped(std::move(scoped_reader));
  BOOST_TEST(grades(scoped, with("v1"), h, 2) == std::set<std::string>{"lost-acked"});
  // The unit vanished: absent is older than the fsynced version.
  BOOST_TEST(grades(scoped, with(""), h, 2) == std::set<std::string>{"lost-acked"});
}

BOOST_AUTO_TEST_CASE(damage_is_reported_instead_of_history_and_durability) {
  MemoryHistory h = run_history();
  h.acknowledge(2, "ack");
  OracleChecker checker(std::make_unique<BytesReader>());
  BOOST_TEST(grades(checker, with("BAD"), h, 4) == std::set<std::string>{"damaged"});
}

BOOST_AUTO_TEST_CASE(the_history_costs_one_view_per_moment_and_unit_whatever_the_states_checked) {
  const MemoryHistory h = run_history();
  auto reader = std::make_unique<BytesReader>();
  BytesReader* r = reader.get();
  OracleChecker checker(std::move(reader));
  for (int i = 0; i < 50; ++i) grades(checker, with("v1"), h, 4);
  // 5 moments walked once (4 with the file), plus one view per check.
  BOOST_TEST(r->recovered <= 4 + 50);
  BOOST_TEST(checker.units_judged().value() == 50u);
}
