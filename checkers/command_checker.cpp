#include "checkers/command_checker.h"

#include <stdexcept>

#include <fmt/format.h>

namespace crashfs {
namespace {

class CommandChecker : public Checker {
 public:
  CommandChecker(StateCommandRunner& runner, CommandCheckerOptions options)
      : runner_(runner), options_(std::move(options)) {}

  std::string name() const override { return "cmd:" + options_.command; }

  void check(const CheckContext& ctx, std::vector<Violation>& out) override {
    const std::string state_id = fmt::format("crash point {}", ctx.crash_point);
    CommandOutcome r;
    if (Status st = runner_.run(ctx, options_.command, state_id, options_.timeout, r); !st)
      throw std::runtime_error(st.message());
    if (r.timed_out)
      throw std::runtime_error(fmt::format("`{}` did not finish within {} s (raise the timeout or fix the command)",
                                           options_.command, options_.timeout.count()));
    if (r.status == 0) return;
    Violation v;
    v.checker = name();
    v.reason = fmt::format("`{}` exited {}{}{}", options_.command, r.status, r.output.empty() ? "" : ": ",
                           r.output.substr(0, 400));
    while (!v.reason.empty() && (v.reason.back() == '\n' || v.reason.back() == ' ')) v.reason.pop_back();
    v.grade = "command-failed";
    out.push_back(std::move(v));
  }

 private:
  StateCommandRunner& runner_;
  CommandCheckerOptions options_;
};

}  // namespace

std::unique_ptr<Checker> make_command_checker(StateCommandRunner& runner, CommandCheckerOptions options) {
  return std::make_unique<CommandChecker>(runner, std::move(options));
}

}  // namespace crashfs
