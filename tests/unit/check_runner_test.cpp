// The check runner (analysis/check_runner.h): bounded memory for kept
// violations with exact totals, checker failures as harness errors (never
// as the program's bug), and promises taken from another trace.
#include <boost/test/unit_test.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/check_runner.h"
#include "core/trace_history.h"
#include "checkers/checker_spec.h"
#include "core/base_content.h"
#include "core/trace_builder.h"
#include "journal_test_encoders.h"

using namespace crashfs;

namespace {

std::unique_ptr<Checker> checker_for(const std::string& text) {
  CheckerSpec spec;
  BOOST_REQUIRE(parse_checker_spec(text, spec).is_ok());
  std::unique_ptr<Checker> checker;
  BOOST_REQUIRE(make_checker(spec, checker).is_ok());
  return checker;
}

// A file rewritten in place, several writes: a process kill between them,
// or a power loss, leaves a mix no version ever had (many violating states).
TraceBuilder in_place_rewrite() {
  TraceBuilder b;
  b.existing_file("f.conf", "old = 1\n");
  b.open("f.conf", 01001);
  for (int i = 0; i < 6; ++i) b.write("f.conf", 8 * i, "line = " + std::to_string(i));
  b.release("f.conf");
  return b;
}

// Fails on every state: a checker bug, not the program's.
class ThrowingChecker : public Checker {
 public:
  std::string name() const override { return "throws"; }
  void check(const CheckContext&, std::vector<Violation>&) override { throw std::runtime_error("parser exploded"); }
};

// Reports one violation on every state (so the counts are known).
class AlwaysViolates : public Checker {
 public:
  std::string name() const override { return "always"; }
  void check(const CheckContext&, std::vector<Violation>& out) override {
    Violation v;
    v.path = "f.conf";
    v.reason = "always";
    v.grade = "test";
    out.push_back(v);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(keep_per_cell_caps_kept_violations_but_every_one_is_counted) {
  const TraceBuilder b = in_place_rewrite();
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  auto atomic = checker_for("atomic@f.conf");
  std::vector<Checker*> checkers{atomic.get()};

  CheckOptions all;
  all.explore.models = {ModelKind::kProcessKill, ModelKind::kPosix};
  Explorer e1(trace, &base);
  const CheckReport uncapped = run_checks(e1, checkers, all);

  CheckOptions capped = all;
  capped.keep_per_cell = 2;
  Explorer e2(trace, &base);
  const CheckReport report = run_checks(e2, checkers, capped);

  const auto& pk = report.cells.at({ModelKind::kProcessKill, "atomic"});
  const auto& posix = report.cells.at({ModelKind::kPosix, "atomic"});
  BOOST_TEST(pk.violations > 2u);
  BOOST_TEST(posix.violations > 2u);
  // Two kept per model x checker cell, in exploration order (models in order).
  BOOST_REQUIRE_EQUAL(report.violations.size(), 4u);
  BOOST_TEST(to_string(report.violations[0].model) == "process-kill");
  BOOST_TEST(to_string(report.violations[1].model) == "process-kill");
  BOOST_TEST(to_string(report.violations[2].model) == "posix");
  BOOST_TEST(to_string(report.violations[3].model) == "posix");
  // The counts are those of the uncapped run.
  BOOST_TEST(report.total_violations == pk.violations + posix.violations);
  BOOST_TEST(report.total_violations == uncapped.total_violations);
  BOOST_TEST(uncapped.violations.size() == uncapped.total_violations);
  BOOST_TEST(!report.clean());
  // The kept ones are the first ones of the uncapped run, with their states.
  BOOST_TEST(report.violations[0].state_id == uncapped.violations[0].state_id);
  BOOST_TEST(report.violations[0].violation.checker == "atomic");
  BOOST_TEST(!report.violations[0].state_description.empty());
}

BOOST_AUTO_TEST_CASE(a_checker_that_throws_is_a_harness_error_never_a_violation) {
  const TraceBuilder b = in_place_rewrite();
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  ThrowingChecker throws;
  AlwaysViolates always;
  std::vector<Checker*> checkers{&throws, &always};
  CheckOptions options;
  options.explore.models = {ModelKind::kProcessKill};
  Explorer explorer(trace, &base);
  const CheckReport report = run_checks(explorer, checkers, options);

  BOOST_REQUIRE(!report.harness_errors.empty());
  BOOST_TEST(report.harness_errors[0].find("checker throws failed: parser exploded") != std::string::npos,
             report.harness_errors[0]);
  BOOST_TEST(report.harness_errors[0].find("(state process-kill@") != std::string::npos, report.harness_errors[0]);
  for (const StateViolation& sv : report.violations) BOOST_TEST(sv.violation.checker == "always");
  const auto& failed = report.cells.at({ModelKind::kProcessKill, "throws"});
  BOOST_TEST(failed.violations == 0u);
  BOOST_TEST(failed.states_checked == 0u);  // a failed check is not a pass either
  // The other checker still ran on every state, and only its violations count.
  const std::uint64_t states = report.states_checked.at(ModelKind::kProcessKill);
  BOOST_TEST(report.harness_errors.size() == states);
  const auto& ran = report.cells.at({ModelKind::kProcessKill, "always"});
  BOOST_TEST(ran.states_checked == states);
  BOOST_TEST(report.total_violations == states);

  // check_state (the explain step's re-check) fails the same way: a status, no violation.
  std::vector<Violation> found;
  std::vector<Checker*> only_throws{&throws};
  StateSpec spec;
  BOOST_REQUIRE(StateSpec::parse(report.violations.at(0).state_id, spec).is_ok());
  const Status st = check_state(explorer, spec, only_throws, nullptr, found);
  BOOST_TEST(!st.is_ok());
  BOOST_TEST(st.message().find("parser exploded") != std::string::npos);
  BOOST_TEST(found.empty());
}

// With an fdatasync removed, the program's promise still stands when the
// options give the run's history: the entry it acknowledged is lost-acked.
BOOST_AUTO_TEST_CASE(promises_come_from_the_original_trace_when_given) {
  testing::LengthPrefixedWriter w("u32le+crc32c");
  TraceBuilder b;
  b.existing_file("data.log", "");
  const std::string e0 = w.entry(0, 0);
  b.append("data.log", e0).fdatasync("data.log").append("data.log", w.entry(1, e0.size())).fdatasync("data.log");
  const Trace original = b.build();
  MemoryBaseContent base = b.base();
  auto journal = checker_for("journal:u32le+crc32c@data.log");
  std::vector<Checker*> checkers{journal.get()};
  CheckOptions options;
  options.explore.models = {ModelKind::kPosix};

  Explorer first(original, &base);
  BOOST_TEST(run_checks(first, checkers, options).clean());

  // Without the last fdatasync (the last operation of the trace).
  const Trace shorter = original.without_op(original.ops().size() - 1);
  Explorer without(shorter, &base);
  BOOST_TEST(run_checks(without, checkers, options).clean());  // its own promises: nothing lost

  TraceHistory history(first, {});
  CheckOptions promised = options;
  promised.history = &history;
  const CheckReport report = run_checks(without, checkers, promised);
  BOOST_TEST(!report.clean());
  BOOST_REQUIRE(!report.violations.empty());
  for (const StateViolation& sv : report.violations) {
    BOOST_TEST(sv.violation.grade == "lost-acked");
    BOOST_TEST(sv.violation.path == "data.log");
  }
}
