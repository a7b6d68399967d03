#include "analysis/check_runner.h"

#include <exception>

#include <fmt/format.h>

namespace crashfs {
namespace {

// Runs one checker, turning an escaping exception into a harness error:
// a checker failure must never be reported as the program's bug.
bool run_one(Checker& checker, const CheckContext& ctx, std::vector<Violation>& out, std::string& error) {
  try {
    checker.check(ctx, out);
    return true;
  } catch (const std::exception& e) {
    error = fmt::format("checker {} failed: {}", checker.name(), e.what());
  } catch (...) {
    error = fmt::format("checker {} failed with an unknown exception", checker.name());
  }
  return false;
}

// A crash at `point` of `modified` stands for a crash anywhere before its
// next operation; the program's promises there are those the original trace
// had made by the last of its own operations before that next one (so an
// fsync removed between the two still counts as promised).
std::size_t promise_point(const Trace& original, const Trace& modified, std::size_t point) {
  const std::size_t n = original.ops().size();
  if (n == 0) return 0;
  if (point + 1 >= modified.ops().size()) return n - 1;
  const OpId next = modified.op_id(point + 1);
  std::size_t lo = 0, hi = n;  // first original op with id >= next
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (original.op_id(mid) < next) lo = mid + 1;
    else hi = mid;
  }
  return lo == 0 ? 0 : lo - 1;
}

}  // namespace

CheckReport run_checks(Explorer& explorer, const std::vector<Checker*>& checkers, const CheckOptions& options) {
  CheckReport report;
  for (ModelKind model : options.explore.models)
    for (Checker* c : checkers) report.cells[{model, c->name()}];

  std::vector<Violation> found;
  std::map<std::pair<ModelKind, std::string>, std::uint64_t> kept;
  report.summary = explorer.explore(options.explore, [&](const ExploredState& state) {
    std::shared_ptr<const StateView> promised;
    if (options.promises != nullptr) {
      promised = options.promises->acked(promise_point(options.promises->trace(), explorer.trace(), state.point()));
    }
    const CheckContext ctx = promised ? CheckContext{*state.state(), *state.completed(), *promised, state.versions(),
                                                     state.crash_seq()}
                                      : state.context();
    ++report.states_checked[state.model()];
    for (Checker* checker : checkers) {
      found.clear();
      std::string error;
      if (!run_one(*checker, ctx, found, error)) {
        if (report.harness_errors.size() < 100) report.harness_errors.push_back(fmt::format("{} (state {})", error, state.id()));
        continue;
      }
      CellVerdict& cell = report.cells[{state.model(), checker->name()}];
      ++cell.states_checked;
      if (found.empty()) continue;
      ++cell.violating_states;
      cell.violations += found.size();
      report.total_violations += found.size();
      std::uint64_t& cell_kept = kept[{state.model(), checker->name()}];
      for (Violation& v : found) {
        if (cell_kept >= options.keep_per_cell) break;
        ++cell_kept;
        StateViolation sv;
        if (v.checker.empty()) v.checker = checker->name();
        sv.violation = std::move(v);
        sv.model = state.model();
        sv.state_id = state.id();
        sv.point = state.point_id();
        sv.state_description = state.description();
        report.violations.push_back(std::move(sv));
      }
    }
    if (options.on_checked) options.on_checked(state, report);
  });
  return report;
}

Status check_state(Explorer& explorer, const StateSpec& spec, const std::vector<Checker*>& checkers,
                   std::vector<Violation>& out) {
  std::shared_ptr<const StateView> view;
  if (Status st = explorer.view(spec, view); !st) return st;
  const auto point = explorer.trace().find_op(spec.point);
  if (!point) return Status::invalid_argument(fmt::format("state {}: the trace has no operation {}", spec.id(), spec.point.to_string()));
  auto completed = explorer.completed(*point);
  auto acked = explorer.acked(*point);
  const CheckContext ctx{*view, *completed, *acked, explorer.versions(), spec.point.seq};
  for (Checker* checker : checkers) {
    std::string error;
    if (!run_one(*checker, ctx, out, error)) return Status::io_error(error);
  }
  return Status::ok();
}

}  // namespace crashfs
