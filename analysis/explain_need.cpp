#include "analysis/explain_need.h"

#include <deque>
#include <map>
#include <tuple>

#include <fmt/format.h>

namespace crashfs {

std::vector<std::size_t> PerPointHistory::promise_moments() const {
  std::vector<std::size_t> all(of_.moments());
  for (std::size_t m = 0; m < all.size(); ++m) all[m] = m;
  return all;
}

namespace {

// The next durability operation after `op` whose coverage includes what
// `op` covers (the same node; fsync covers an fdatasync's), or the end.
std::size_t next_covering(const Trace& trace, std::size_t op) {
  const Record& r = trace.op(op);
  for (std::size_t i = op + 1; i < trace.ops().size(); ++i) {
    const Record& n = trace.op(i);
    if (!is_durability(n.type) || n.node != r.node) continue;
    if (n.type == r.type || n.type == RecordType::kFsync) return i;
  }
  return trace.ops().size();
}

// Violations per shape, model and crash point (points named by OpId, so
// the two traces' points compare; the removed fsync's own point is not in
// the shorter trace and is not compared).
using PointCounts = std::map<std::tuple<std::string, ModelKind, OpId>, std::uint64_t>;
PointCounts counts(const CheckReport& report) {
  PointCounts out;
  for (const auto& [shape, tally] : report.shapes)
    for (const auto& [at, n] : tally.points) out[{shape, at.first, at.second}] = n;
  return out;
}

}  // namespace

NeedResult analyze_fsyncs(Explorer& explorer, BaseContent* base, const std::vector<Checker*>& checkers,
                          const CheckReport& report, const NeedOptions& options) {
  NeedResult out;
  const Trace& trace = explorer.trace();
  std::vector<std::size_t> durability_ops;
  for (std::size_t i = 0; i < trace.ops().size(); ++i)
    if (is_durability(trace.op(i).type) && !is_synthetic(trace.op(i))) durability_ops.push_back(i);
  if (durability_ops.size() > options.max_fsync_checks) {
    out.skipped_reason = fmt::format("{} recorded fsyncs: more than --max-fsync-checks {}; not analyzed",
                                     durability_ops.size(), options.max_fsync_checks);
    return out;
  }
  out.analyzed = true;
  CheckOptions check = options.check;
  check.on_checked = nullptr;
  check.explore.progress = nullptr;
  std::vector<ModelKind> models;
  for (ModelKind m : check.explore.models)
    if (m != ModelKind::kProcessKill) models.push_back(m);
  check.explore.models = models;
  const PerPointHistory per_point(*options.check.history);
  check.history = &per_point;

  std::deque<Trace> traces{trace};
  for (auto it = durability_ops.rbegin(); it != durability_ops.rend(); ++it) {
    const OpId id = trace.op_id(*it);
    DurabilityVerdict verdict;
    verdict.seq = id.seq;
    verdict.op = explorer.describe_op(*it);
    if (models.empty()) {
      verdict.needed = false;
      verdict.why_not = "a process kill keeps every completed operation: no crash state depends on it";
      out.verdicts.push_back(std::move(verdict));
      continue;
    }
    const Trace& current = traces.back();
    const auto index = current.find_op(id);
    if (!index) continue;
    if (options.say) options.say(fmt::format("is it needed: {}", verdict.op));
    // The crash points its removal can change, in the current trace ...
    // (From the point before it: a crash there now stands for a crash
    // anywhere up to the next operation, past the removed fsync and its
    // acknowledgement.)
    const std::size_t end = next_covering(current, *index);
    const std::size_t from = *index == 0 ? 0 : *index - 1;
    CheckReport before;
    if (!report.clean()) {
      Explorer same(current, base);
      CheckOptions range = check;
      range.explore.first_point = from;
      range.explore.last_point = end - 1;  // inclusive: [from, end)
      before = run_checks(same, checkers, range);
      for (const auto& [m, n] : before.states_checked) out.states_rechecked += n;
    }
    // ... and in the trace without it (one operation fewer).
    traces.push_back(current.without_op(*index));
    CheckReport after;
    {
      Explorer without(traces.back(), base);
      CheckOptions range = check;
      range.explore.first_point = from;
      range.explore.last_point = end == current.ops().size() ? static_cast<std::size_t>(-1) : end >= 2 ? end - 2 : 0;  // one op fewer
      after = run_checks(without, checkers, range);
      for (const auto& [m, n] : after.states_checked) out.states_rechecked += n;
    }
    const auto was = counts(before), now = counts(after);
    std::string first_new;
    for (const auto& [key, n] : now) {
      auto w = was.find(key);
      if (w == was.end() || n > w->second) {
        first_new = std::get<0>(key);
        break;
      }
    }
    if (first_new.empty() && after.harness_errors.empty()) {
      verdict.needed = false;  // keep it removed for the next ones
    } else {
      verdict.needed = true;
      const StateViolation* example = nullptr;
      if (!first_new.empty()) example = &after.shapes.at(first_new).example;
      if (example)
        verdict.needed_by = fmt::format("{}: {} in {} ({})", example->violation.checker, example->violation.grade,
                                        example->violation.path, example->violation.reason);
      else if (!after.harness_errors.empty())
        verdict.needed_by = after.harness_errors.front();
      traces.pop_back();  // put it back
    }
    out.verdicts.push_back(std::move(verdict));
  }
  std::reverse(out.verdicts.begin(), out.verdicts.end());
  return out;
}

}  // namespace crashfs
