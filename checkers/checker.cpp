#include "checkers/checker.h"

#include "checkers/checker_host.h"

namespace crashfs {

void Checker::check_batch(const std::vector<const CheckContext*>& ctxs, unsigned, std::vector<CheckResult>& out) {
  out.assign(ctxs.size(), CheckResult{});
  for (std::size_t i = 0; i < ctxs.size(); ++i) {
    try {
      check(*ctxs[i], out[i].violations);
    } catch (...) {
      out[i].error = std::current_exception();
    }
  }
}

Status StateCommandRunner::write_state(const StateView&, unsigned slot) {
  return Status::unsupported("this command runner has no slot " + std::to_string(slot) + ": run commands one at a time");
}

Status StateCommandRunner::run_written(unsigned slot, const std::string&, std::string_view, std::chrono::seconds, bool,
                                       CommandOutcome&) {
  return Status::unsupported("this command runner has no slot " + std::to_string(slot) + ": run commands one at a time");
}

}  // namespace crashfs
