#include "analysis/check_runner.h"

#include <algorithm>
#include <exception>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/explain_shape.h"
#include "analysis/share_workers.h"
#include "core/trace_history.h"

namespace crashfs {
namespace {

// A checker's escaping exception as a harness error: a checker failure
// must never be reported as the program's bug.
std::string describe_failure(const Checker& checker, const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return fmt::format("checker {} failed: {}", checker.name(), e.what());
  } catch (...) {
  }
  return fmt::format("checker {} failed with an unknown exception", checker.name());
}

// Runs one checker, turning an escaping exception into a harness error.
bool run_one(Checker& checker, const CheckContext& ctx, std::vector<Violation>& out, std::string& error) {
  try {
    checker.check(ctx, out);
    return true;
  } catch (...) {
    error = describe_failure(checker, std::current_exception());
  }
  return false;
}

// Runs `checker` on ctxs[lo, hi) into out[lo, hi) (out has ctxs.size()
// results); an exception escaping check_batch is every state's harness
// error.
void check_range(Checker& checker, const std::vector<const CheckContext*>& ctxs, std::size_t lo, std::size_t hi,
                 unsigned jobs, std::vector<CheckResult>& out) {
  const std::vector<const CheckContext*> part(ctxs.begin() + static_cast<std::ptrdiff_t>(lo),
                                              ctxs.begin() + static_cast<std::ptrdiff_t>(hi));
  std::vector<CheckResult> got;
  try {
    checker.check_batch(part, jobs, got);
  } catch (...) {
    got.assign(part.size(), CheckResult{});
    for (CheckResult& r : got) r.error = std::current_exception();
  }
  got.resize(part.size());
  std::move(got.begin(), got.end(), out.begin() + static_cast<std::ptrdiff_t>(lo));
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

// The moment of the run's history a crash at `point` of `explorer`'s trace
// is judged at.
std::size_t moment_of(const RunHistory& history, const Trace& explored, std::size_t point) {
  if (&history.trace() == &explored) return point + 1;
  return promise_point(history.trace(), explored, point) + 1;
}

// Up to 10 regular files the workload created or wrote, as the run left them.
std::string files_written(Explorer& explorer) {
  const TraceIndex& index = explorer.index();
  if (index.size() == 0) return "none";
  std::set<NodeId> touched;
  for (std::size_t op = 0; op < index.size(); ++op) {
    const Record& r = index.record(op);
    if (r.type == RecordType::kCreate || r.type == RecordType::kWrite || r.type == RecordType::kTruncate ||
        r.type == RecordType::kFallocate || r.type == RecordType::kLink || r.type == RecordType::kRename)
      touched.insert(r.node);
  }
  std::vector<std::string> names;
  std::size_t more = 0;
  for (const FileEntry& e : explorer.completed(index.size() - 1)->entries()) {
    if (e.kind != NodeKind::kFile || !touched.count(e.node)) continue;
    if (names.size() < 10) names.push_back(e.path);
    else ++more;
  }
  if (names.empty()) return "no regular file";
  return fmt::format("{}{}", fmt::join(names, ", "), more ? fmt::format(" and {} more", more) : "");
}

// Why a capped power-loss model checked nothing a process kill would not.
std::string cap_reduced(const ModelSummary& m, std::uint64_t max_states) {
  if (m.model == ModelKind::kProcessKill || m.model == ModelKind::kSyncedOnly) return {};
  if (m.capped_points == 0 || m.deviating > 0 || !m.could_deviate) return {};
  return fmt::format("--max-states {} left {} only the states in which every operation persisted whole (the "
                     "process-kill states): no lost or torn operation was checked; raise --max-states",
                     max_states, to_string(m.model));
}

}  // namespace

CheckReport run_checks(Explorer& explorer, const std::vector<Checker*>& checkers, const CheckOptions& options) {
  CheckReport report;
  for (ModelKind model : options.explore.models)
    for (Checker* c : checkers) report.cells[{model, c->name()}];

  std::unique_ptr<TraceHistory> own_history;
  const RunHistory* history = options.history;
  if (history == nullptr) {
    own_history = std::make_unique<TraceHistory>(explorer, std::vector<Acknowledgement>{});
    history = own_history.get();
  }
  // With --jobs N > 1, the in-process checkers run on N threads while this
  // one explores (check_runner.h).  Checker i is spread over them when
  // every thread past the first has an instance of it.
  const std::size_t check_threads =
      options.jobs > 1 ? std::min<std::size_t>(options.jobs, 1 + options.replicas.size()) : 0;
  std::vector<bool> spread(checkers.size(), false);
  bool any_spread = false;
  for (std::size_t i = 0; i < checkers.size() && check_threads > 0; ++i) {
    spread[i] = !checkers[i]->runs_commands() &&
                std::all_of(options.replicas.begin(), options.replicas.begin() + static_cast<std::ptrdiff_t>(check_threads - 1),
                            [&](const std::vector<Checker*>& r) { return i < r.size() && r[i] != nullptr; });
    any_spread = any_spread || spread[i];
  }
  // Units judged by checker i and its instances on other threads.
  auto units_judged = [&](std::size_t i) -> std::optional<std::uint64_t> {
    std::optional<std::uint64_t> n = checkers[i]->units_judged();
    if (!n || !spread[i]) return n;
    for (std::size_t w = 1; w < check_threads; ++w) *n += options.replicas[w - 1][i]->units_judged().value_or(0);
    return n;
  };
  std::vector<std::optional<std::uint64_t>> judged_before;
  for (std::size_t i = 0; i < checkers.size(); ++i) judged_before.push_back(units_judged(i));
  // Before any thread: every process-kill image is built, so that the
  // history's state_at only reads them while the exploration builds crash
  // states with the same builder, and the base store makes its final image
  // (base_store.h).  The history's own explorer, when it is another (explain
  // re-explores variants of the trace), was made ready by the run's own
  // run_checks.
  if (any_spread) {
    if (explorer.index().size() > 0) explorer.builder().final_image();
    explorer.builder().base().final_path(kRootNode);
  }

  // Promise epochs of the explored trace's crash points (explorer.h).
  ExploreOptions explore = options.explore;
  {
    const std::vector<std::size_t> promises = history->promise_moments();
    explore.epochs.resize(explorer.index().size());
    for (std::size_t p = 0; p < explore.epochs.size(); ++p) {
      const std::size_t m = moment_of(*history, explorer.trace(), p);
      explore.epochs[p] = static_cast<std::uint32_t>(std::upper_bound(promises.begin(), promises.end(), m) - promises.begin());
    }
  }

  // A state gathered for a batch: what the report needs of it once the
  // exploration has moved on.
  struct Pending {
    ModelKind model;
    std::string id;
    OpId point;
    StateSpec spec;
    std::shared_ptr<const StateView> state, completed;
    Seq crash_seq;
    std::size_t moment;
    std::size_t point_index;
  };
  const std::size_t batch_size = options.jobs > 1 && !options.on_checked ? std::size_t{32} * options.jobs : 1;
  const std::size_t shares = any_spread ? check_threads : 0;
  std::map<std::pair<ModelKind, std::string>, std::uint64_t> kept;

  // A batch being checked.  With spread checkers, thread w checks the w-th
  // run of its states while this thread explores the next batch (the
  // threads read images and the run's history; exploring builds new images
  // and never changes one they read: see the header).
  struct Batch {
    std::vector<Pending> states;
    std::vector<CheckContext> contexts;
    std::vector<const CheckContext*> ctxs;
    std::vector<std::vector<CheckResult>> results;  // [checker][state]
  };
  std::vector<Pending> gathering;
  std::unique_ptr<Batch> in_flight;
  // Declared after in_flight: destroyed first, it waits for the batch.
  std::unique_ptr<ShareWorkers> workers;
  if (shares > 0) {
    workers = std::make_unique<ShareWorkers>(shares, [&](void* job, std::size_t w) {
      Batch& b = *static_cast<Batch*>(job);
      const std::size_t n = b.ctxs.size(), lo = n * w / shares, hi = n * (w + 1) / shares;
      if (lo == hi) return;
      for (std::size_t i = 0; i < checkers.size(); ++i)
        if (spread[i]) check_range(w == 0 ? *checkers[i] : *options.replicas[w - 1][i], b.ctxs, lo, hi, 1, b.results[i]);
    });
  }

  // Starts checking `states` with the spread checkers.
  auto launch = [&](std::vector<Pending> states) {
    auto b = std::make_unique<Batch>();
    b->states = std::move(states);
    b->contexts.reserve(b->states.size());
    for (const Pending& p : b->states)
      b->contexts.push_back(CheckContext{*p.state, *p.completed, explorer.versions(), p.crash_seq, history, p.moment, p.id});
    for (const CheckContext& c : b->contexts) b->ctxs.push_back(&c);
    b->results.assign(checkers.size(), std::vector<CheckResult>(b->ctxs.size()));
    if (workers) workers->post(b.get());
    return b;
  };

  // Waits for the batch's threads, runs the other checkers on it, then
  // records each state's results in exploration order (as if they had been
  // checked one by one).
  auto finish = [&](Batch& b) {
    if (workers) workers->wait();
    for (std::size_t i = 0; i < checkers.size(); ++i)
      if (!spread[i]) check_range(*checkers[i], b.ctxs, 0, b.ctxs.size(), options.jobs, b.results[i]);
    for (std::size_t k = 0; k < b.states.size(); ++k) {
      const Pending& p = b.states[k];
      ++report.states_checked[p.model];
      for (std::size_t i = 0; i < checkers.size(); ++i) {
        Checker& checker = *checkers[i];
        CheckResult& r = b.results[i][k];
        if (r.error) {
          const std::string error = describe_failure(checker, r.error);
          if (report.harness_errors.size() < 100) report.harness_errors.push_back(fmt::format("{} (state {})", error, p.id));
          continue;
        }
        std::vector<Violation>& found = r.violations;
        CellVerdict& cell = report.cells[{p.model, checker.name()}];
        ++cell.states_checked;
        if (found.empty()) continue;
        ++cell.violating_states;
        cell.violations += found.size();
        report.total_violations += found.size();
        std::uint64_t& cell_kept = kept[{p.model, checker.name()}];
        std::set<std::string> shapes_here;
        for (Violation& v : found) {
          if (v.checker.empty()) v.checker = checker.name();
          // Every violation is tallied by shape (explain groups with these);
          // the first of each shape is kept as its example.
          const bool keep = cell_kept < options.keep_per_cell;
          const std::string shape = violation_shape(v);
          ShapeTally& tally = report.shapes[shape];
          const bool first = tally.violations++ == 0;
          if (shapes_here.insert(shape).second) ++tally.states;
          tally.models.insert(p.model);
          if (tally.paths.size() < 10000) tally.paths.insert(v.path);
          ++tally.points[{p.model, p.point}];
          if (!keep && !first) continue;
          StateViolation sv;
          sv.violation = keep ? std::move(v) : v;
          sv.model = p.model;
          sv.state_id = p.id;
          sv.point = p.point;
          sv.state_description = explorer.describe(p.spec);
          if (first) tally.example = sv;
          if (!keep) continue;
          ++cell_kept;
          report.violations.push_back(std::move(sv));
        }
      }
    }
    if (options.progress) {
      std::uint64_t checked = 0;
      for (const auto& [model, n] : report.states_checked) checked += n;
      const Pending& last = b.states.back();
      options.progress(CheckProgress{last.model, last.point_index + 1, explorer.index().size(), checked});
    }
  };

  // Hands the gathered states on: the batch before is finished first (one
  // batch in flight, so results are recorded in exploration order).
  auto flush = [&](bool last) {
    if (in_flight) {
      finish(*in_flight);
      in_flight.reset();
    }
    if (!gathering.empty()) {
      in_flight = launch(std::move(gathering));
      gathering.clear();
    }
    if ((last || shares == 0 || options.on_checked) && in_flight) {
      finish(*in_flight);
      in_flight.reset();
    }
  };

  report.summary = explorer.explore(explore, [&](const ExploredState& state) {
    gathering.push_back(Pending{state.model(), state.id(), state.point_id(), state.spec(), state.state(),
                                state.completed(), state.crash_seq(), moment_of(*history, explorer.trace(), state.point()),
                                state.point()});
    if (gathering.size() < batch_size) return;
    flush(false);
    if (options.on_checked) options.on_checked(state, report);
  });
  flush(true);

  // --- Inconclusive: what was not really checked. ---
  auto mark_cells = [&](auto&& matches, const std::string& why) {
    for (auto& [key, cell] : report.cells)
      if (matches(key) && cell.inconclusive.empty()) cell.inconclusive = why;
  };
  std::uint64_t checked = 0;
  for (const auto& [model, n] : report.states_checked) checked += n;
  if (checked == 0 && !checkers.empty()) {
    const std::string why = explorer.index().size() == 0
                                ? "no crash state was checked: the trace holds no operation (the workload changed nothing)"
                                : "no crash state was checked (every state fell outside this --shard)";
    report.inconclusive.push_back(why);
    mark_cells([](const auto&) { return true; }, why);
  } else {
    for (std::size_t i = 0; i < checkers.size(); ++i) {
      const auto now = units_judged(i);
      if (!now || *now != judged_before[i].value_or(0)) continue;
      const std::string why = fmt::format("--checker {} judged nothing: no {} in any state; the workload wrote {}",
                                          checkers[i]->name(), checkers[i]->scope(), files_written(explorer));
      report.inconclusive.push_back(why);
      const std::string name = checkers[i]->name();
      mark_cells([&](const auto& key) { return key.second == name; }, why);
    }
    for (const ModelSummary& m : report.summary.models) {
      const std::string why = cap_reduced(m, options.explore.max_states);
      if (why.empty()) continue;
      report.inconclusive.push_back(why);
      mark_cells([&](const auto& key) { return key.first == m.model; }, why);
    }
  }
  return report;
}

Status check_state(Explorer& explorer, const StateSpec& spec, const std::vector<Checker*>& checkers,
                   const RunHistory* history, std::vector<Violation>& out) {
  std::shared_ptr<const StateView> view;
  if (Status st = explorer.view(spec, view); !st) return st;
  const auto point = explorer.trace().find_op(spec.point);
  if (!point) return Status::invalid_argument(fmt::format("state {}: the trace has no operation {}", spec.id(), spec.point.to_string()));
  std::unique_ptr<TraceHistory> own_history;
  if (history == nullptr) {
    own_history = std::make_unique<TraceHistory>(explorer, std::vector<Acknowledgement>{});
    history = own_history.get();
  }
  auto completed = explorer.completed(*point);
  const std::string id = spec.id();
  const CheckContext ctx{*view,    *completed, explorer.versions(), spec.point.seq, history,
                         moment_of(*history, explorer.trace(), *point), id};
  for (Checker* checker : checkers) {
    std::string error;
    if (!run_one(*checker, ctx, out, error)) return Status::io_error(error);
  }
  return Status::ok();
}

}  // namespace crashfs
