#include "analysis/explain_need.h"

#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "core/path_tracker.h"

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

// Whether some checker may read what a durability operation makes durable:
// the file (at any name it had in the run), or for a directory anything
// that was ever below it.  When none does, no crash state's verdict can
// depend on the operation, and explain does not re-explore for it.
class ReadFiles {
 public:
  ReadFiles(const Trace& trace, const std::vector<Checker*>& checkers) : checkers_(checkers) {
    PathTracker paths;
    for (const Record& rec : trace.records()) {
      paths.apply(rec);
      if (rec.node == 0 || rec.node == kRootNode) continue;
      names_[rec.node].insert(paths.path_of(rec.node));
      if (rec.type == RecordType::kLink) names_[rec.node].insert(paths.child_path(rec.new_parent, rec.new_name));
    }
  }

  // The first name some checker reads that `op` makes durable, if any.
  std::optional<std::string> read_name(const Record& op) {
    const bool directory = op.type == RecordType::kFsyncdir;
    if (!directory) {
      auto it = names_.find(op.node);
      if (it != names_.end())
        for (const std::string& name : it->second)
          if (read(name)) return name;
      return std::nullopt;
    }
    std::vector<std::string> prefixes;  // the directory's names, as "NAME/"
    if (op.node != kRootNode)
      if (auto it = names_.find(op.node); it != names_.end())
        for (const std::string& name : it->second) prefixes.push_back(name + "/");
    for (const auto& [node, names] : names_)
      for (const std::string& name : names) {
        const bool below = op.node == kRootNode || std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) {
                             return name.starts_with(p);
                           });
        if (below && read(name)) return name;
      }
    return std::nullopt;
  }

 private:
  bool read(const std::string& name) {
    auto it = known_.find(name);
    if (it == known_.end())
      it = known_.emplace(name, std::any_of(checkers_.begin(), checkers_.end(), [&](Checker* c) { return c->reads(name); }))
               .first;
    return it->second;
  }

  const std::vector<Checker*>& checkers_;
  std::unordered_map<NodeId, std::set<std::string>> names_;
  std::unordered_map<std::string, bool> known_;
};

}  // namespace

NeedResult analyze_fsyncs(Explorer& explorer, BaseContent* base, const std::vector<Checker*>& checkers,
                          const CheckReport& report, const NeedOptions& options) {
  NeedResult out;
  const Trace& trace = explorer.trace();
  std::vector<std::size_t> durability_ops;
  for (std::size_t i = 0; i < trace.ops().size(); ++i)
    if (is_durability(trace.op(i).type) && !is_synthetic(trace.op(i))) durability_ops.push_back(i);
  // Only the fsyncs of files some checker reads are tested (and counted
  // against --max-fsync-checks).
  ReadFiles read_files(trace, checkers);
  std::map<std::size_t, bool> tested;
  std::size_t to_test = 0;
  for (std::size_t i : durability_ops) to_test += (tested[i] = read_files.read_name(trace.op(i)).has_value());
  if (to_test > options.max_fsync_checks) {
    out.skipped_reason = fmt::format("{} recorded fsyncs of files the checkers read: more than --max-fsync-checks {}; "
                                     "not analyzed",
                                     to_test, options.max_fsync_checks);
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
    if (!tested[*it]) {
      verdict.needed = false;
      verdict.why_not = trace.op(*it).type == RecordType::kFsyncdir
                            ? "no checker reads anything in this directory: no verdict depends on it"
                            : "no checker reads this file: no verdict depends on it";
      traces.push_back(current.without_op(*index));  // removed, as an unneeded one
      out.verdicts.push_back(std::move(verdict));
      continue;
    }
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
