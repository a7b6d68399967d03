#include "checkers/command_checker.h"

#include <algorithm>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "checkers/state_key.h"
#include "checkers/view_oracle.h"

namespace crashfs {
namespace {

// What one run of the command on one state content said.
struct Outcome {
  int status = 0;
  std::string output;  // tail, for reasons
  ContentHash view;    // of stdout (dump)
  std::size_t stdout_bytes = 0;
};

// Runs the command once per distinct state content.
class CommandCache {
 public:
  CommandCache(StateCommandRunner& runner, CommandCheckerOptions options, bool keep_stdout)
      : runner_(runner), options_(std::move(options)), keep_stdout_(keep_stdout) {}

  const CommandCheckerOptions& options() const { return options_; }

  const Outcome& run(const StateView& state, std::string_view state_id) {
    const ContentHash key = state_key(state);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    CommandOutcome r;
    const Status st = runner_.run(state, options_.command, state_id, options_.timeout, keep_stdout_, r);
    return store(key, st, std::move(r), state_id);
  }

  // Runs the command on the states of `ctxs` whose content is not cached
  // yet, up to `jobs` at once (the runner's slots): each state is written
  // on this thread, its command runs on a thread of its own.  Afterwards
  // run() finds every one of them in the cache, so the verdicts are those
  // of running them one by one.  A state whose run fails is left out (run()
  // then runs it again and throws, in order).
  void prefetch(const std::vector<const CheckContext*>& ctxs, unsigned jobs) {
    jobs = std::min(jobs, runner_.slots());
    if (jobs < 2) return;
    struct Job {
      ContentHash key;
      std::string state_id;
      Status status;
      CommandOutcome outcome;
      std::thread thread;
    };
    std::vector<std::unique_ptr<Job>> slot(jobs);
    std::set<ContentHash> started;
    auto finish = [&](unsigned i) {
      if (!slot[i]) return;
      Job& job = *slot[i];
      job.thread.join();
      if (job.status && !job.outcome.timed_out) store(job.key, job.status, std::move(job.outcome), job.state_id);
      slot[i].reset();
    };
    unsigned next = 0;
    for (const CheckContext* ctx : ctxs) {
      const ContentHash key = state_key(ctx->state);
      if (cache_.count(key) || !started.insert(key).second) continue;
      const unsigned i = next;
      next = (next + 1) % jobs;
      finish(i);  // the slot's previous state (the oldest running)
      if (!runner_.write_state(ctx->state, i)) continue;
      auto job = std::make_unique<Job>();
      job->key = key;
      job->state_id = std::string(ctx->state_id);
      Job* j = job.get();
      job->thread = std::thread([this, j, i] {
        j->status = runner_.run_written(i, options_.command, j->state_id, options_.timeout, keep_stdout_, j->outcome);
      });
      slot[i] = std::move(job);
    }
    for (unsigned i = 0; i < jobs; ++i) finish(i);
  }

  const Outcome& store(const ContentHash& key, const Status& st, CommandOutcome r, std::string_view state_id) {
    if (!st) throw std::runtime_error(st.message());
    if (r.timed_out)
      throw std::runtime_error(fmt::format("`{}` did not finish within {} s on state {} (raise --cmd-timeout or fix "
                                           "the command)",
                                           options_.command, options_.timeout.count(), state_id));
    Outcome o;
    o.status = r.status;
    o.output = std::move(r.output);
    while (!o.output.empty() && (o.output.back() == '\n' || o.output.back() == ' ')) o.output.pop_back();
    o.view = ViewDigest().add(std::string_view("dump")).add(r.stdout_text).finish();
    o.stdout_bytes = r.stdout_text.size();
    return cache_.emplace(key, std::move(o)).first->second;
  }

  Violation failed(const Outcome& o, const std::string& checker) const {
    Violation v;
    v.checker = checker;
    v.reason = fmt::format("`{}` exited {}{}{}", options_.command, o.status, o.output.empty() ? "" : ": ",
                           o.output.size() > 400 ? o.output.substr(o.output.size() - 400) : o.output);
    v.grade = "command-failed";
    return v;
  }

 private:
  StateCommandRunner& runner_;
  CommandCheckerOptions options_;
  bool keep_stdout_;
  std::unordered_map<ContentHash, Outcome, ContentHashHasher> cache_;
};

class CommandChecker : public Checker {
 public:
  CommandChecker(StateCommandRunner& runner, CommandCheckerOptions options) : cache_(runner, std::move(options), false) {}
  std::string name() const override { return "cmd:" + cache_.options().command; }
  bool runs_commands() const override { return true; }
  void check(const CheckContext& ctx, std::vector<Violation>& out) override {
    const Outcome& o = cache_.run(ctx.state, ctx.state_id);
    if (o.status != 0) out.push_back(cache_.failed(o, name()));
  }
  void check_batch(const std::vector<const CheckContext*>& ctxs, unsigned jobs, std::vector<CheckResult>& out) override {
    cache_.prefetch(ctxs, jobs);
    Checker::check_batch(ctxs, jobs, out);
  }

 private:
  CommandCache cache_;
};

class DumpReader : public ViewReader {
 public:
  DumpReader(StateCommandRunner& runner, CommandCheckerOptions options) : cache_(runner, std::move(options), true) {}
  std::string name() const override { return "dump:" + cache_.options().command; }
  std::string scope() const override { return {}; }
  bool file_scoped() const override { return false; }
  void units(const StateView&, std::vector<std::string>& out) override { out.emplace_back(); }
  Recovered recover(const StateView& state, std::string_view state_id, const std::string&) override {
    const Outcome& o = cache_.run(state, state_id);
    if (o.status != 0) return Recovered{ViewDigest().add(std::string_view("failed")).finish(), "the command failed"};
    return Recovered{o.view, fmt::format("{} bytes of output", o.stdout_bytes)};
  }
  void integrity(const CheckContext& ctx, const std::string&, std::vector<Violation>& out) override {
    const Outcome& o = cache_.run(ctx.state, ctx.state_id);
    if (o.status != 0) out.push_back(cache_.failed(o, name()));
  }
  void prefetch(const std::vector<const CheckContext*>& ctxs, unsigned jobs) { cache_.prefetch(ctxs, jobs); }

 private:
  CommandCache cache_;
};

// The whole state is the dump checker's unit: never "matched nothing".
class DumpChecker : public OracleChecker {
 public:
  using OracleChecker::OracleChecker;
  std::optional<std::uint64_t> units_judged() const override { return std::nullopt; }
  bool runs_commands() const override { return true; }
  // The batch's states run at once; the run's history states, which the
  // oracle asks for one by one, are mostly the same contents (cached).
  void check_batch(const std::vector<const CheckContext*>& ctxs, unsigned jobs, std::vector<CheckResult>& out) override {
    static_cast<DumpReader&>(reader()).prefetch(ctxs, jobs);
    Checker::check_batch(ctxs, jobs, out);
  }
};

}  // namespace

std::unique_ptr<Checker> make_command_checker(StateCommandRunner& runner, CommandCheckerOptions options) {
  return std::make_unique<CommandChecker>(runner, std::move(options));
}

std::unique_ptr<Checker> make_dump_checker(StateCommandRunner& runner, CommandCheckerOptions options) {
  return std::make_unique<DumpChecker>(std::make_unique<DumpReader>(runner, std::move(options)));
}

}  // namespace crashfs
