// --jobs (issue 15): checking N states at once gives the same report as
// checking them one by one, for in-process checkers and for command
// checkers whose commands run concurrently (a fake runner with slots stands
// for the host's processes: its verdict is a function of the state alone,
// as a real command's is).
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "analysis/check_runner.h"
#include "checkers/checker_spec.h"
#include "checkers/command_checker.h"
#include "core/base_content.h"
#include "core/trace_builder.h"
#include "journal_test_encoders.h"

using namespace crashfs;

namespace {

// "Fails" (exit 1) when some file of the state has an odd size.
int verdict_of(const StateView& state, std::string& output) {
  for (const FileEntry& e : state.entries()) {
    if (e.kind == NodeKind::kFile && e.size % 2 == 1) {
      output = e.path + " has an odd size";
      return 1;
    }
  }
  return 0;
}

class FakeRunner : public StateCommandRunner {
 public:
  explicit FakeRunner(unsigned slots) : slots_(slots), written_(slots) {}
  Status run(const StateView& state, const std::string&, std::string_view, std::chrono::seconds, bool,
             CommandOutcome& out) override {
    ++sequential_;
    out = CommandOutcome{};
    out.status = verdict_of(state, out.output);
    return Status::ok();
  }
  unsigned slots() const override { return slots_; }
  Status write_state(const StateView& state, unsigned slot) override {
    Written w;
    w.status = verdict_of(state, w.output);
    written_.at(slot) = w;
    return Status::ok();
  }
  Status run_written(unsigned slot, const std::string&, std::string_view, std::chrono::seconds, bool,
                     CommandOutcome& out) override {
    const int now = ++running_;
    int seen = max_running_.load();
    while (now > seen && !max_running_.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // let the others start
    out = CommandOutcome{};
    out.status = written_.at(slot).status;
    out.output = written_.at(slot).output;
    --running_;
    return Status::ok();
  }
  int max_running() const { return max_running_; }
  int sequential() const { return sequential_; }

 private:
  struct Written {
    int status = 0;
    std::string output;
  };
  unsigned slots_;
  std::vector<Written> written_;
  std::atomic<int> running_{0}, max_running_{0};
  int sequential_ = 0;
};

// A u32le journal entry (journal_test_encoders.h writes the length).
std::string u32le(const std::string& payload) {
  std::string out;
  testing::put32le(out, static_cast<std::uint32_t>(payload.size()));
  return out + payload;
}

TraceBuilder workload() {
  TraceBuilder b;
  b.create("j.log");
  for (int i = 0; i < 12; ++i) {
    const std::string entry = u32le(std::string(20 + 7 * i, static_cast<char>('a' + i)));
    b.append("j.log", entry.substr(0, 4));
    b.append("j.log", entry.substr(4));
    if (i % 5 == 4) b.fdatasync("j.log");
  }
  b.release("j.log");
  b.create("conf.tmp");
  b.append("conf.tmp", "key = value\n");
  b.append("conf.tmp", "other = 1\n");
  b.release("conf.tmp");
  b.rename("conf.tmp", "conf");
  return b;
}

// Everything a report says, as text.
std::string text_of(const CheckReport& r) {
  std::string out;
  for (const auto& [model, n] : r.states_checked) out += std::string(to_string(model)) + " checked " + std::to_string(n) + "\n";
  for (const auto& [key, cell] : r.cells)
    out += std::string(to_string(key.first)) + " " + key.second + ": " + std::to_string(cell.states_checked) + " " +
           std::to_string(cell.violating_states) + " " + std::to_string(cell.violations) + " " + cell.inconclusive + "\n";
  for (const StateViolation& sv : r.violations) {
    out += sv.state_id + " " + sv.point.to_string() + " " + sv.state_description + " | " + sv.violation.checker + " " +
           sv.violation.path + " " + std::to_string(sv.violation.offset) + " " + sv.violation.grade + " " +
           sv.violation.reason + " ops";
    for (Seq s : sv.violation.ops) out += " " + std::to_string(s);
    out += "\n";
  }
  for (const std::string& e : r.harness_errors) out += "error " + e + "\n";
  out += "total " + std::to_string(r.total_violations) + "\n";
  return out;
}

// `threads` > 1: the in-process checkers run on that many threads, one
// instance each (CheckOptions::replicas, as `crashfs check --jobs` makes
// them); `replica_units` gets the units the instances past the first
// judged.
std::string report_with_jobs(unsigned jobs, int* max_running = nullptr, int* sequential = nullptr, unsigned threads = 1,
                             std::uint64_t* replica_units = nullptr) {
  const TraceBuilder b = workload();
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  Explorer explorer(trace, &base);
  FakeRunner runner(jobs);
  CheckerServices services;
  services.commands = &runner;
  std::vector<std::unique_ptr<Checker>> owned;
  for (const std::string text : {"journal:u32le@j.log", "atomic@conf", "cmd:fake", "dump:fake"}) {
    CheckerSpec spec;
    BOOST_REQUIRE(parse_checker_spec(text, spec).is_ok());
    std::unique_ptr<Checker> c;
    BOOST_REQUIRE(make_checker(spec, services, c).is_ok());
    owned.push_back(std::move(c));
  }
  std::vector<Checker*> checkers;
  for (auto& c : owned) checkers.push_back(c.get());
  CheckOptions options;
  options.explore.models = {ModelKind::kProcessKill, ModelKind::kPosix};
  options.explore.sector = 512;
  options.jobs = jobs;
  std::vector<std::unique_ptr<Checker>> replica_owned;
  for (unsigned w = 1; w < threads; ++w) {
    std::vector<Checker*> row;
    for (const std::string text : {"journal:u32le@j.log", "atomic@conf"}) {
      CheckerSpec spec;
      BOOST_REQUIRE(parse_checker_spec(text, spec).is_ok());
      std::unique_ptr<Checker> c;
      BOOST_REQUIRE(make_checker(spec, services, c).is_ok());
      row.push_back(c.get());
      replica_owned.push_back(std::move(c));
    }
    row.push_back(nullptr);  // cmd: and dump: stay on this thread
    row.push_back(nullptr);
    options.replicas.push_back(row);
  }
  const std::string text = text_of(run_checks(explorer, checkers, options));
  if (replica_units) {
    *replica_units = 0;
    for (auto& c : replica_owned) *replica_units += c->units_judged().value_or(0);
  }
  if (max_running) *max_running = runner.max_running();
  if (sequential) *sequential = runner.sequential();
  return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_report_is_the_same_for_one_and_for_two_jobs) {
  int one_running = 0, two_running = 0, two_sequential = 0;
  const std::string one = report_with_jobs(1, &one_running);
  const std::string two = report_with_jobs(2, &two_running, &two_sequential);
  BOOST_TEST(one.find("command-failed") != std::string::npos, one);  // the commands did fail somewhere
  BOOST_TEST(one.find("journal:u32le") != std::string::npos, one);
  BOOST_TEST(one == two);
  BOOST_TEST(report_with_jobs(3) == one);
  BOOST_TEST(one_running == 0);  // one job: every command through run(), one at a time
  BOOST_TEST(two_running >= 1);
  BOOST_TEST(two_running <= 2);
}

// Threads for the in-process checkers (--jobs N: N checking threads beside
// the exploring one): each thread's instance checks its share of every
// batch, and the report is the one of a single thread.
BOOST_AUTO_TEST_CASE(in_process_checkers_on_several_threads_give_the_report_of_one) {
  const std::string one = report_with_jobs(1);
  for (unsigned threads : {2u, 3u, 4u}) {
    std::uint64_t replica_units = 0;
    const std::string many = report_with_jobs(threads, nullptr, nullptr, threads, &replica_units);
    BOOST_TEST(many == one, "--jobs " << threads);
    BOOST_TEST(replica_units > 0u, "--jobs " << threads);  // the other threads did check states
  }
}
