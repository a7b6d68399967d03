#include "checkers/command_checker.h"

#include <stdexcept>
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
    if (Status st = runner_.run(state, options_.command, state_id, options_.timeout, keep_stdout_, r); !st)
      throw std::runtime_error(st.message());
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
  void check(const CheckContext& ctx, std::vector<Violation>& out) override {
    const Outcome& o = cache_.run(ctx.state, ctx.state_id);
    if (o.status != 0) out.push_back(cache_.failed(o, name()));
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

 private:
  CommandCache cache_;
};

// The whole state is the dump checker's unit: never "matched nothing".
class DumpChecker : public OracleChecker {
 public:
  using OracleChecker::OracleChecker;
  std::optional<std::uint64_t> units_judged() const override { return std::nullopt; }
};

}  // namespace

std::unique_ptr<Checker> make_command_checker(StateCommandRunner& runner, CommandCheckerOptions options) {
  return std::make_unique<CommandChecker>(runner, std::move(options));
}

std::unique_ptr<Checker> make_dump_checker(StateCommandRunner& runner, CommandCheckerOptions options) {
  return std::make_unique<DumpChecker>(std::make_unique<DumpReader>(runner, std::move(options)));
}

}  // namespace crashfs
