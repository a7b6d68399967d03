#include "analysis/explain.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/record_format.h"
#include "core/trace_history.h"

namespace crashfs {

std::string describe_seq(Explorer& explorer, Seq seq) {
  if (auto i = explorer.trace().find_op(OpId{seq, 0})) return explorer.describe_op(*i);
  return fmt::format("#{}", seq);
}

namespace {

// ---------------------------------------------------------------- helpers --

// Digits folded, so the temporary names of different runs or processes
// (`m.pyc.1368`, `m.pyc.1412`) compare equal.
std::string fold_digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (out.empty() || out.back() != '#') out += '#';
    } else {
      out += c;
    }
  }
  return out;
}

// What identifies "the same violation" cheaply, without explaining it.
std::string quick_signature(ModelKind model, const Violation& v) {
  return fmt::format("{}|{}|{}|{}", to_string(model), v.checker, fold_digits(v.path), v.grade);
}
std::string quick_signature(const StateViolation& sv) { return quick_signature(sv.model, sv.violation); }

bool is_entry_change(RecordType t) { return op_class(t) == OpClass::kEntry; }

// The directory an entry change happens in (the target directory for
// rename and link, where the new name appears).
NodeId entry_directory(const Record& r) {
  if (r.type == RecordType::kRename || r.type == RecordType::kLink) return r.new_parent;
  return r.parent;
}

// A state spec as a flat set of deviations that can be given back one at a
// time.  Omitted ranges are split into single operations when they are
// short; a long range stays one unit.
struct Deviations {
  std::vector<SeqRange> omitted;
  std::vector<TornWrite> torn;
  std::vector<Seq> zeroed;

  std::size_t size() const { return omitted.size() + torn.size() + zeroed.size(); }

  static Deviations of(const StateSpec& spec, const Trace& trace) {
    Deviations d;
    for (const SeqRange& r : spec.omitted) {
      std::vector<Seq> singles;
      for (std::size_t i = 0; i < trace.ops().size() && singles.size() <= 64; ++i) {
        const OpId id = trace.op_id(i);
        if (id.sub == 0 && id.seq >= r.first && id.seq <= r.last && is_mutation(trace.op(i).type))
          singles.push_back(id.seq);
      }
      if (singles.size() > 64 || singles.empty()) {
        d.omitted.push_back(r);
      } else {
        for (Seq s : singles) d.omitted.push_back(SeqRange{s, s});
      }
    }
    d.torn = spec.torn;
    d.zeroed = spec.zeroed;
    return d;
  }

  StateSpec apply_to(StateSpec spec) const {
    spec.omitted = omitted;
    std::sort(spec.omitted.begin(), spec.omitted.end(), [](const SeqRange& a, const SeqRange& b) { return a.first < b.first; });
    spec.torn = torn;
    std::sort(spec.torn.begin(), spec.torn.end(), [](const TornWrite& a, const TornWrite& b) { return a.op < b.op; });
    spec.zeroed = zeroed;
    std::sort(spec.zeroed.begin(), spec.zeroed.end());
    return spec;
  }

  // Every deviation but the i-th.
  Deviations without(std::size_t i) const {
    Deviations d = *this;
    if (i < d.omitted.size()) {
      d.omitted.erase(d.omitted.begin() + static_cast<std::ptrdiff_t>(i));
      return d;
    }
    i -= d.omitted.size();
    if (i < d.torn.size()) {
      d.torn.erase(d.torn.begin() + static_cast<std::ptrdiff_t>(i));
      return d;
    }
    i -= d.torn.size();
    d.zeroed.erase(d.zeroed.begin() + static_cast<std::ptrdiff_t>(i));
    return d;
  }

  bool touches(Seq seq) const {
    for (const auto& r : omitted)
      if (seq >= r.first && seq <= r.last) return true;
    for (const auto& t : torn)
      if (t.op == seq) return true;
    return std::find(zeroed.begin(), zeroed.end(), seq) != zeroed.end();
  }
};

// Re-checks states with one checker, counting the work.
class Rechecker {
 public:
  Rechecker(Explorer& explorer, Checker& checker, const RunHistory* history, std::size_t budget)
      : explorer_(explorer), checker_(checker), history_(history), budget_(budget) {}

  // True / false: whether `spec`'s state still has a violation of this
  // checker on `path`; nullopt when the spec is not a valid state (its
  // model does not allow it) or the budget is spent.
  std::optional<bool> violates(const StateSpec& spec, const std::string& path) {
    if (used_ >= budget_) return std::nullopt;
    ++used_;
    std::vector<Violation> found;
    std::vector<Checker*> one{&checker_};
    if (!check_state(explorer_, spec, one, history_, found).is_ok()) return std::nullopt;
    return std::any_of(found.begin(), found.end(), [&](const Violation& v) { return v.path == path; });
  }

 private:
  Explorer& explorer_;
  Checker& checker_;
  const RunHistory* history_;
  std::size_t budget_;
  std::size_t used_ = 0;
};

struct Cause {
  CauseKind kind = CauseKind::kAtomicity;
  Deviations minimal;
  std::optional<std::size_t> exposing_op;  // op index
  std::string key;                         // group key
  std::vector<OpDescription> ops;
};

std::optional<std::size_t> op_index(const Trace& trace, Seq seq) { return trace.find_op(OpId{seq, 0}); }

// The node a deviation's operation changes.
NodeId node_of(const Trace& trace, Seq seq) {
  if (auto i = op_index(trace, seq)) return trace.op(*i).node;
  return 0;
}

Cause explain_one(Explorer& explorer, Checker& checker, const StateViolation& sv, const ExplainOptions& options) {
  Cause cause;
  const Trace& trace = explorer.trace();
  StateSpec spec;
  if (!StateSpec::parse(sv.state_id, spec).is_ok()) return cause;
  Rechecker recheck(explorer, checker, options.check.history, options.max_cause_checks);
  const std::string& path = sv.violation.path;

  // 1. Give back deviations one at a time; keep only those the violation needs.
  Deviations d = Deviations::of(spec, trace);
  for (std::size_t i = d.size(); i-- > 0;) {
    const Deviations without = d.without(i);
    if (auto still = recheck.violates(without.apply_to(spec), path); still && *still) d = without;
  }
  cause.minimal = d;

  // 2. The operation that exposes it: the latest persisted mutation of the
  //    same node or of an entry whose omission removes the violation.
  const auto point = trace.find_op(spec.point);
  std::set<NodeId> nodes;
  for (const auto& r : d.omitted)
    if (r.first == r.last) nodes.insert(node_of(trace, r.first));
  for (const auto& t : d.torn) nodes.insert(node_of(trace, t.op));
  for (Seq z : d.zeroed) nodes.insert(node_of(trace, z));
  if (point && !nodes.empty()) {
    int tries = 0;
    for (std::size_t i = *point + 1; i-- > 0 && tries < 16;) {
      const Record& r = trace.op(i);
      const OpId id = trace.op_id(i);
      if (id.sub != 0 || !is_mutation(r.type) || d.touches(id.seq)) continue;
      const bool related = nodes.count(r.node) || (r.victim != 0 && nodes.count(r.victim));
      if (!related) continue;
      ++tries;
      Deviations more = d;
      more.omitted.push_back(SeqRange{id.seq, id.seq});
      if (auto still = recheck.violates(more.apply_to(spec), path); still && !*still) {
        cause.exposing_op = i;
        break;
      }
    }
  }

  // 3. Kind.
  if (sv.violation.grade == "lost-acked") {
    cause.kind = CauseKind::kDurability;
  } else if (!d.torn.empty()) {
    cause.kind = CauseKind::kAtomicity;
  } else if (d.size() == 0) {
    cause.kind = CauseKind::kAtomicity;  // the program's own writes left it so
  } else if (cause.exposing_op) {
    cause.kind = CauseKind::kOrdering;
  } else {
    cause.kind = CauseKind::kDurability;
  }

  // 4. The operations, as the program did them, and the group key.
  auto add = [&](Seq seq, std::string role) {
    cause.ops.push_back(OpDescription{seq, describe_seq(explorer, seq), std::move(role)});
  };
  for (const auto& r : d.omitted) {
    if (r.first == r.last) add(r.first, "lost");
    else {
      add(r.first, fmt::format("lost (with every unsynced operation up to #{})", r.last));
    }
  }
  for (const auto& t : d.torn) add(t.op, "torn");
  for (Seq z : d.zeroed) add(z, "zeroed (size persisted, bytes did not)");
  if (cause.exposing_op) add(trace.op_id(*cause.exposing_op).seq, "persisted (exposes it)");
  if (cause.ops.empty()) {
    for (Seq s : sv.violation.ops) add(s, "written");
  }
  // One bug, one group: the same checker, file, kind and grade of damage.
  // (The exact operations differ between crash points of one bug: the torn
  // piece, which append was lost; the group shows its first example.)
  cause.key = fmt::format("{}|{}|{}|{}", sv.violation.checker, fold_digits(path), to_string(cause.kind),
                          sv.violation.grade);
  return cause;
}


std::string kind_sentence(CauseKind kind) {
  switch (kind) {
    case CauseKind::kAtomicity: return "atomicity: an operation persisted only in part";
    case CauseKind::kOrdering: return "ordering: a later operation persisted while an earlier one did not";
    case CauseKind::kDurability: return "durability: something the program was promised, or a crash-free reader would see, is missing";
  }
  return "";
}

// Proposes the barrier for a group; nullopt (with a reason) when none applies.
std::optional<Fix> propose_fix(Explorer& explorer, const Cause& cause, std::string& why_not) {
  const Trace& trace = explorer.trace();
  if (cause.minimal.size() == 0) {
    why_not = "nothing was lost to the crash: the program's own writes left this state (a process kill mid-update); "
              "no fsync fixes it: write each entry whole, from a single writer, or write a new file and rename it";
    return std::nullopt;
  }
  // The earliest cause operation, and the operation it must precede.
  Seq cause_seq = ~Seq{0};
  for (const auto& r : cause.minimal.omitted) cause_seq = std::min(cause_seq, r.first);
  for (const auto& t : cause.minimal.torn) cause_seq = std::min(cause_seq, t.op);
  for (Seq z : cause.minimal.zeroed) cause_seq = std::min(cause_seq, z);
  const auto cause_index = trace.find_op(OpId{cause_seq, 0});
  if (!cause_index) {
    why_not = "the cause operation is not in the trace";
    return std::nullopt;
  }
  const Record& cause_rec = trace.op(*cause_index);
  const std::size_t limit = cause.exposing_op ? *cause.exposing_op : trace.ops().size();

  Fix fix;
  std::size_t after = *cause_index;
  if (is_entry_change(cause_rec.type)) {
    fix.barrier = RecordType::kFsyncdir;
    fix.node = entry_directory(cause_rec);
  } else {
    fix.barrier = RecordType::kFsync;
    fix.node = cause_rec.node;
    // After the file's last change before the exposing operation.
    for (std::size_t i = *cause_index; i < limit; ++i) {
      const Record& r = trace.op(i);
      if (is_mutation(r.type) && !is_entry_change(r.type) && r.node == fix.node) after = i;
    }
  }
  PathTracker paths;
  for (std::size_t i = 0; i < trace.records().size(); ++i) {
    if (&trace.records()[i] == &trace.op(after)) break;
    paths.apply(trace.records()[i]);
  }
  paths.apply(trace.op(after));
  fix.path = paths.path_of(fix.node);
  if (fix.path.empty()) fix.path = ".";
  fix.after_op = trace.op_id(after).seq;
  fix.before_op = cause.exposing_op ? trace.op_id(*cause.exposing_op).seq : 0;
  const std::string after_what(to_string(trace.op(after).type));
  fix.text = fmt::format("add {}({}) after op #{} ({})", to_string(fix.barrier), fix.path, fix.after_op, after_what);
  if (cause.exposing_op)
    fix.text += fmt::format(" before op #{} ({})", fix.before_op, to_string(trace.op(*cause.exposing_op).type));
  return fix;
}

// Signatures of a report's violations (for "disappeared" / "no new one").
std::map<std::string, std::uint64_t> signatures(const CheckReport& report) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& sv : report.violations) ++out[quick_signature(sv)];
  return out;
}

int grade_rank(const std::string& grade) {
  static const std::vector<std::string> order = {"silent-corruption", "reader-crash", "lost-acked", "bad-body",
                                                 "torn-undetectable", "mid-file-damage", "corrupt-database"};
  auto it = std::find(order.begin(), order.end(), grade);
  return it == order.end() ? static_cast<int>(order.size()) : static_cast<int>(it - order.begin());
}

}  // namespace

std::string_view to_string(CauseKind kind) {
  switch (kind) {
    case CauseKind::kAtomicity: return "atomicity";
    case CauseKind::kOrdering: return "ordering";
    case CauseKind::kDurability: return "durability";
  }
  return "?";
}

Explanation explain(Explorer& explorer, BaseContent* base, const std::vector<Checker*>& checkers,
                    const CheckReport& report, const ExplainOptions& options) {
  Explanation out;
  const Trace& trace = explorer.trace();
  // Every re-check is judged against the run's own history and promises.
  std::unique_ptr<TraceHistory> own_history;
  ExplainOptions opts = options;
  if (opts.check.history == nullptr) {
    own_history = std::make_unique<TraceHistory>(explorer, std::vector<Acknowledgement>{});
    opts.check.history = own_history.get();
  }
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  std::map<std::string, Checker*> by_name;
  for (Checker* c : checkers) by_name[c->name()] = c;

  // --- 1. Causes and groups. ---
  std::map<std::string, std::size_t> group_of_key;      // cause key -> group index
  std::map<std::string, std::size_t> group_of_quick;    // quick signature -> group of its first explained one
  std::map<std::string, std::size_t> explained_per_quick;
  std::vector<Cause> causes;
  std::map<std::size_t, std::set<std::string>> states_of_group;
  for (const StateViolation& sv : report.violations) {
    const std::string quick = quick_signature(sv);
    std::size_t group;
    auto checker = by_name.find(sv.violation.checker);
    const bool explain_it = explained_per_quick[quick] < 3 && checker != by_name.end();
    if (!explain_it && group_of_quick.count(quick)) {
      group = group_of_quick[quick];
    } else {
      ++explained_per_quick[quick];
      Cause cause = checker == by_name.end() ? Cause{} : explain_one(explorer, *checker->second, sv, opts);
      if (cause.key.empty()) cause.key = quick;
      auto it = group_of_key.find(cause.key);
      if (it == group_of_key.end()) {
        ViolationGroup g;
        g.checker = sv.violation.checker;
        g.path = sv.violation.path;
        g.grade = sv.violation.grade;
        g.reason = sv.violation.reason;
        g.kind = cause.kind;
        g.example_state = sv.state_id;
        g.ops = cause.ops;
        it = group_of_key.emplace(cause.key, out.groups.size()).first;
        out.groups.push_back(std::move(g));
        causes.push_back(std::move(cause));
      }
      group = it->second;
      group_of_quick.emplace(quick, group);
    }
    ViolationGroup& g = out.groups[group];
    ++g.violations;
    states_of_group[group].insert(sv.state_id);
    if (std::find(g.models.begin(), g.models.end(), sv.model) == g.models.end()) g.models.push_back(sv.model);
  }
  for (auto& [i, states] : states_of_group) out.groups[i].states = states.size();
  for (std::size_t i = 0; i < out.groups.size(); ++i) {
    ViolationGroup& g = out.groups[i];
    std::vector<std::string> models;
    for (ModelKind m : g.models) models.emplace_back(to_string(m));
    g.explanation = fmt::format("{}; in {} state(s) under {}", kind_sentence(g.kind), g.states, fmt::join(models, ", "));
  }

  // Most important first: bugs even a process kill shows, worse grades, more states.
  std::vector<std::size_t> order(out.groups.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto pk = [&](std::size_t i) {
    const auto& m = out.groups[i].models;
    return std::find(m.begin(), m.end(), ModelKind::kProcessKill) != m.end();
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (pk(a) != pk(b)) return pk(a);
    if (grade_rank(out.groups[a].grade) != grade_rank(out.groups[b].grade))
      return grade_rank(out.groups[a].grade) < grade_rank(out.groups[b].grade);
    return out.groups[a].violations > out.groups[b].violations;
  });
  {
    std::vector<ViolationGroup> sorted;
    std::vector<Cause> sorted_causes;
    for (std::size_t i : order) {
      sorted.push_back(std::move(out.groups[i]));
      sorted_causes.push_back(std::move(causes[i]));
    }
    out.groups = std::move(sorted);
    causes = std::move(sorted_causes);
  }

  // --- 2. Fixes, verified by re-exploring the trace with the barrier. ---
  const auto original = signatures(report);
  CheckOptions recheck = options.check;
  recheck.history = opts.check.history;
  recheck.on_checked = nullptr;
  recheck.explore.progress = nullptr;
  std::deque<Trace> traces;  // re-explored traces must outlive their explorers
  for (std::size_t gi = 0; gi < out.groups.size() && gi < options.max_groups; ++gi) {
    ViolationGroup& g = out.groups[gi];
    std::string why_not;
    auto fix = propose_fix(explorer, causes[gi], why_not);
    if (!fix) {
      g.no_fix_reason = why_not;
      continue;
    }
    const auto after_index = trace.find_op(OpId{fix->after_op, 0});
    if (!after_index) continue;
    say(fmt::format("verifying: {}", fix->text));
    traces.push_back(trace.with_barrier(*after_index, fix->barrier, fix->node));
    Explorer fixed(traces.back(), base);
    const CheckReport after = run_checks(fixed, checkers, recheck);
    const auto now = signatures(after);
    // The group's own signatures only: the same checker, file and grade (a
    // substring match of the path would drag in "data.conf" for "a.conf",
    // and other grades are other groups, with fixes of their own).
    std::set<std::string> group_quick;
    for (const StateViolation& sv : report.violations)
      if (sv.violation.checker == g.checker && fold_digits(sv.violation.path) == fold_digits(g.path) &&
          sv.violation.grade == g.grade)
        group_quick.insert(quick_signature(sv));
    bool gone = true, nothing_new = true;
    for (const auto& [sig, n] : now) {
      if (group_quick.count(sig)) gone = false;
      if (!original.count(sig)) nothing_new = false;
    }
    fix->verified = gone && nothing_new && after.harness_errors.empty();
    fix->violations_removed = report.total_violations >= after.total_violations ? report.total_violations - after.total_violations : 0;
    fix->violations_after = after.total_violations;
    if (!fix->verified) {
      g.no_fix_reason = gone ? fmt::format("{} removes this group but brings new violations", fix->text)
                             : fmt::format("{} does not remove this group (verified by re-exploring)", fix->text);
    }
    g.fix = std::move(fix);
  }

  // --- 3. Recorded fsyncs no checker needs (latest first, cumulatively). ---
  std::vector<std::size_t> durability_ops;
  for (std::size_t i = 0; i < trace.ops().size(); ++i)
    if (is_durability(trace.op(i).type) && !is_synthetic(trace.op(i))) durability_ops.push_back(i);
  if (durability_ops.size() > options.max_fsync_checks) {
    out.fsyncs_skipped_reason = fmt::format("{} recorded fsyncs: more than --max-fsync-checks {}; not analyzed",
                                            durability_ops.size(), options.max_fsync_checks);
  } else {
    out.fsyncs_analyzed = true;
    traces.push_back(trace);
    for (auto it = durability_ops.rbegin(); it != durability_ops.rend(); ++it) {
      const OpId id = trace.op_id(*it);
      DurabilityVerdict verdict;
      verdict.seq = id.seq;
      verdict.op = explorer.describe_op(*it);
      const Trace& current = traces.back();
      const auto index = current.find_op(id);
      if (!index) continue;
      say(fmt::format("is it needed: {}", verdict.op));
      Trace candidate = current.without_op(*index);
      traces.push_back(std::move(candidate));
      CheckReport after;
      {
        Explorer without(traces.back(), base);
        after = run_checks(without, checkers, recheck);
      }
      const auto now = signatures(after);
      std::string first_new;
      for (const auto& [sig, n] : now) {
        if (!original.count(sig) || n > original.at(sig)) {
          first_new = sig;
          break;
        }
      }
      if (first_new.empty() && after.total_violations <= report.total_violations && after.harness_errors.empty()) {
        verdict.needed = false;  // keep it removed for the next ones
      } else {
        verdict.needed = true;
        for (const auto& sv : after.violations) {
          if (quick_signature(sv) == first_new || first_new.empty()) {
            verdict.needed_by = fmt::format("{}: {} in {} ({})", sv.violation.checker, sv.violation.grade,
                                            sv.violation.path, sv.violation.reason);
            break;
          }
        }
        traces.pop_back();  // put it back
      }
      out.durability.push_back(std::move(verdict));
    }
    std::reverse(out.durability.begin(), out.durability.end());
  }
  return out;
}

}  // namespace crashfs
