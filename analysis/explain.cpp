#include "analysis/explain.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/explain_cause.h"
#include "analysis/explain_fix.h"
#include "analysis/explain_need.h"
#include "analysis/explain_shape.h"
#include "core/trace_history.h"

namespace crashfs {

std::string describe_seq(Explorer& explorer, Seq seq) {
  if (auto i = explorer.trace().find_op(OpId{seq, 0})) return explorer.describe_op(*i);
  return fmt::format("#{}", seq);
}

std::string_view to_string(CauseKind kind) {
  switch (kind) {
    case CauseKind::kAtomicity: return "atomicity";
    case CauseKind::kOrdering: return "ordering";
    case CauseKind::kDurability: return "durability";
  }
  return "?";
}

namespace {

std::string kind_sentence(CauseKind kind) {
  switch (kind) {
    case CauseKind::kAtomicity: return "atomicity: an operation persisted only in part, or the program's own writes left it so";
    case CauseKind::kOrdering: return "ordering: a later operation persisted while an earlier one did not";
    case CauseKind::kDurability: return "durability: something the program was promised, or a crash-free reader would see, is missing";
  }
  return "";
}

int grade_rank(const std::string& grade) {
  static const std::vector<std::string> order = {"silent-corruption", "reader-crash", "lost-acked", "bad-body",
                                                 "torn-undetectable", "mid-file-damage", "corrupt-database"};
  auto it = std::find(order.begin(), order.end(), grade);
  return it == order.end() ? static_cast<int>(order.size()) : static_cast<int>(it - order.begin());
}

// One group while it is built: the public part and what the fix needs.
struct Building {
  ViolationGroup group;
  std::string key;
  Cause cause;                      // of the example
  std::set<std::string> shapes;     // violation shapes with violations in it
  std::set<std::string> states;     // kept state ids
  std::set<std::string> paths;
  std::vector<const StateViolation*> kept;
};

std::string group_key(const StateViolation& sv, const Cause& cause) {
  return fmt::format("{}|{}|{}", violation_shape(sv.violation), to_string(cause.kind), cause.shape);
}

// What re-exploring a trace with barriers showed.
struct Verification {
  bool gone = false, nothing_new = false;
  std::uint64_t remaining = 0, after = 0;
  std::size_t points = 0;
  std::string first_new;
  std::optional<StateViolation> left;   // a remaining violation of the group (in the fixed trace)
};

class Explainer {
 public:
  Explainer(Explorer& explorer, BaseContent* base, const std::vector<Checker*>& checkers, const CheckReport& report,
            const ExplainOptions& options, const RunHistory* history)
      : explorer_(explorer), base_(base), checkers_(checkers), report_(report), options_(options), history_(history),
        paths_(explorer.trace()) {
    for (Checker* c : checkers) by_name_[c->name()] = c;
  }

  Explanation run() {
    build_groups();
    for (std::size_t gi = 0; gi < groups_.size() && gi < options_.max_groups; ++gi) fix_group(groups_[gi]);
    merge_same_fix();
    Explanation out;
    for (Building& b : groups_) out.groups.push_back(std::move(b.group));
    NeedOptions need;
    need.check = options_.check;
    need.check.history = history_;
    need.max_fsync_checks = options_.max_fsync_checks;
    need.say = options_.progress;
    NeedResult r = analyze_fsyncs(explorer_, base_, checkers_, report_, need);
    out.durability = std::move(r.verdicts);
    out.fsyncs_analyzed = r.analyzed;
    out.fsyncs_skipped_reason = std::move(r.skipped_reason);
    out.states_rechecked = rechecked_ + r.states_rechecked;
    return out;
  }

 private:
  void say(const std::string& line) const {
    if (options_.progress) options_.progress(line);
  }

  Cause cause_of(Explorer& explorer, const OpPaths& paths, const StateViolation& sv, const RunHistory* history = nullptr) {
    auto checker = by_name_.find(sv.violation.checker);
    if (checker == by_name_.end()) return Cause{};
    Cause c = find_cause(explorer, paths, *checker->second, history ? history : history_, sv.state_id, sv.violation,
                         options_.max_cause_checks);
    rechecked_ += c.rechecks;
    return c;
  }

  std::size_t group_for(const StateViolation& sv, Cause cause) {
    const std::string key = group_key(sv, cause);
    auto it = by_key_.find(key);
    if (it != by_key_.end()) return it->second;
    Building b;
    b.key = key;
    b.group.checker = sv.violation.checker;
    b.group.path = sv.violation.path;
    b.group.grade = sv.violation.grade;
    b.group.reason = sv.violation.reason;
    b.group.kind = cause.kind;
    b.group.example_state = sv.state_id;
    b.group.ops = cause.described;
    b.group.shape = cause.shape;
    b.cause = std::move(cause);
    groups_.push_back(std::move(b));
    by_key_.emplace(key, groups_.size() - 1);
    return groups_.size() - 1;
  }

  // Explains a few violations of every shape (distinct paths first) and
  // counts every violation of the run into a group.
  void build_groups() {
    std::vector<std::string> order;  // shapes in order of first appearance
    std::map<std::string, std::vector<const StateViolation*>> kept;
    for (const StateViolation& sv : report_.violations) {
      const std::string s = violation_shape(sv.violation);
      if (!kept.count(s)) order.push_back(s);
      kept[s].push_back(&sv);
    }
    for (const auto& [s, tally] : report_.shapes)
      if (!kept.count(s)) {
        order.push_back(s);
        kept[s].push_back(&tally.example);
      }
    for (const std::string& s : order) {
      const auto& list = kept[s];
      // The examples: distinct paths and models first.
      std::vector<const StateViolation*> examples;
      std::set<std::pair<std::string, ModelKind>> seen;
      for (const StateViolation* sv : list)
        if (examples.size() < options_.examples_per_shape && seen.insert({sv->violation.path, sv->model}).second)
          examples.push_back(sv);
      for (const StateViolation* sv : list)
        if (examples.size() < options_.examples_per_shape && std::find(examples.begin(), examples.end(), sv) == examples.end())
          examples.push_back(sv);
      std::map<const StateViolation*, std::size_t> of;
      std::optional<std::size_t> first;
      for (const StateViolation* sv : examples) {
        say(fmt::format("cause of {} in {}", sv->violation.grade, sv->state_id));
        const std::size_t g = group_for(*sv, cause_of(explorer_, paths_, *sv));
        of[sv] = g;
        if (!first) first = g;
      }
      if (!first) continue;
      // Kept violations: the group of their own explanation, else of the
      // shape's first example; the rest of the shape's count with it.
      std::uint64_t counted = 0;
      for (const StateViolation* sv : list) {
        auto e = of.find(sv);
        Building& b = groups_[e == of.end() ? *first : e->second];
        b.kept.push_back(sv);
        b.states.insert(sv->state_id);
        b.paths.insert(sv->violation.path);
        b.shapes.insert(s);
        ++b.group.violations;
        if (std::find(b.group.models.begin(), b.group.models.end(), sv->model) == b.group.models.end())
          b.group.models.push_back(sv->model);
        ++counted;
      }
      auto tally = report_.shapes.find(s);
      if (tally == report_.shapes.end()) continue;
      Building& b = groups_[*first];
      b.shapes.insert(s);
      if (tally->second.violations > counted) b.group.violations += tally->second.violations - counted;
      std::uint64_t kept_states = 0;
      {
        std::set<std::string> st;
        for (const StateViolation* sv : list) st.insert(sv->state_id);
        kept_states = st.size();
      }
      b.group.states += tally->second.states > kept_states ? tally->second.states - kept_states : 0;
      for (const std::string& p : tally->second.paths) b.paths.insert(p);
      for (ModelKind m : tally->second.models)
        if (std::find(b.group.models.begin(), b.group.models.end(), m) == b.group.models.end()) b.group.models.push_back(m);
    }
    for (Building& b : groups_) {
      b.group.states += b.states.size();
      b.group.files = b.paths.size();
      describe(b);
    }
    // Most important first: bugs even a process kill shows, worse grades, more states.
    auto pk = [](const Building& b) {
      return std::find(b.group.models.begin(), b.group.models.end(), ModelKind::kProcessKill) != b.group.models.end();
    };
    std::stable_sort(groups_.begin(), groups_.end(), [&](const Building& a, const Building& b) {
      if (pk(a) != pk(b)) return pk(a);
      if (grade_rank(a.group.grade) != grade_rank(b.group.grade)) return grade_rank(a.group.grade) < grade_rank(b.group.grade);
      return a.group.violations > b.group.violations;
    });
    by_key_.clear();
    for (std::size_t i = 0; i < groups_.size(); ++i) by_key_[groups_[i].key] = i;
  }

  static void describe(Building& b) {
    std::vector<std::string> models;
    for (ModelKind m : b.group.models) models.emplace_back(to_string(m));
    b.group.explanation = fmt::format("{}; in {} state(s) under {}{}", kind_sentence(b.group.kind), b.group.states,
                                      fmt::join(models, ", "),
                                      b.group.files > 1 ? fmt::format(", {} files", b.group.files) : std::string());
  }

  // Groups of one checker and compatible kinds whose verified fixes insert the same
  // barriers are one bug seen through different lost operations (a lost
  // mkdir that made the later exchange a no-op, and the lost exchange) or
  // read with different grades (a torn .pyc body that does not load, and
  // one that loads wrong constants).  The first (most important) stays.
  // Whether two groups' kinds can be one bug: the same, or a loss exposed
  // by a later operation and a loss exposed by an acknowledgement.
  static bool compatible(CauseKind a, CauseKind b) {
    return a == b || (a != CauseKind::kAtomicity && b != CauseKind::kAtomicity);
  }

  void merge_same_fix() {
    auto barriers = [](const Fix& f) {
      std::set<std::tuple<RecordType, NodeId, Seq>> out;
      for (const Barrier& b : f.everywhere) out.insert({b.barrier, b.node, b.after_op});
      return out;
    };
    std::vector<Building> kept;
    for (Building& b : groups_) {
      Building* into = nullptr;
      if (b.group.fix && b.group.fix->verified)
        for (Building& k : kept)
          if (k.group.fix && k.group.fix->verified && k.group.checker == b.group.checker && compatible(k.group.kind, b.group.kind) &&
              barriers(*k.group.fix) == barriers(*b.group.fix)) {
            into = &k;
            break;
          }
      if (into == nullptr) {
        kept.push_back(std::move(b));
        continue;
      }
      ViolationGroup& g = into->group;
      g.violations += b.group.violations;
      g.states += b.group.states;
      for (const std::string& p : b.paths) into->paths.insert(p);
      g.files = into->paths.size();
      for (ModelKind m : b.group.models)
        if (std::find(g.models.begin(), g.models.end(), m) == g.models.end()) g.models.push_back(m);
      g.shape += " | " + b.group.shape;
    }
    groups_ = std::move(kept);
    for (Building& b : groups_) describe(b);
  }

  // Shapes that more than one group has violations of.
  bool shared(const std::string& shape, const Building& self) const {
    for (const Building& b : groups_)
      if (&b != &self && b.shapes.count(shape)) return true;
    return false;
  }

  // The trace with `barriers` inserted, explored and checked (the models
  // but process-kill, from the operation the first barrier follows).  Kept
  // per barrier set: groups that share a fix (the bad-body and the
  // silent-corruption pycs of one compileall) are verified by one
  // re-exploration, not one each.
  struct Reexploration {
    const Trace* trace = nullptr;
    std::unique_ptr<Explorer> explorer;
    std::unique_ptr<TraceHistory> history;  // refers to *explorer
    CheckReport after;
    OpId first_id;                // in the original trace: the operation the first barrier follows
    std::size_t first_point = 0;  // the same operation in *trace
  };

  const Reexploration& reexplore(const std::vector<PlacedBarrier>& barriers) {
    std::vector<std::tuple<std::size_t, RecordType, NodeId>> key;
    for (const PlacedBarrier& p : barriers) key.emplace_back(p.after, p.type, p.node);
    std::sort(key.begin(), key.end());
    key.erase(std::unique(key.begin(), key.end()), key.end());
    if (auto it = reexplored_.find(key); it != reexplored_.end()) return it->second;
    Reexploration r;
    const Trace& trace = explorer_.trace();
    traces_.push_back(with_barriers(trace, barriers));
    r.trace = &traces_.back();
    const Trace& fixed_trace = *r.trace;
    r.explorer = std::make_unique<Explorer>(fixed_trace, base_);
    // The run's acknowledgements at the same places of the fixed trace: an
    // acknowledgement after operation p comes after the barriers inserted
    // right after p (the program acknowledged after its own operation; the
    // barrier is the one it should have made before).
    std::vector<Acknowledgement> acks;
    for (const Acknowledgement& a : history_->acknowledgements()) {
      Acknowledgement m = a;
      if (a.moment < trace.ops().size()) {
        if (auto at = fixed_trace.find_op(trace.op_id(a.moment))) m.moment = *at;
      } else {
        m.moment = fixed_trace.ops().size();
      }
      acks.push_back(std::move(m));
    }
    r.history = std::make_unique<TraceHistory>(*r.explorer, std::move(acks));
    std::size_t first_after = trace.ops().size();
    for (const PlacedBarrier& p : barriers) first_after = std::min(first_after, p.after);
    // From the operation the first barrier follows: a crash right after it
    // now comes before the barrier, and before any acknowledgement the
    // program made after it.
    r.first_id = trace.op_id(first_after);
    const auto first_point = fixed_trace.find_op(r.first_id);
    CheckOptions check = options_.check;
    check.history = r.history.get();
    check.on_checked = nullptr;
    check.explore.progress = nullptr;
    check.explore.models.clear();
    for (ModelKind m : options_.check.explore.models)
      if (m != ModelKind::kProcessKill) check.explore.models.push_back(m);
    check.explore.first_point = first_point ? *first_point : 0;
    r.first_point = check.explore.first_point;
    r.after = run_checks(*r.explorer, checkers_, check);
    for (const auto& [m, n] : r.after.states_checked) rechecked_ += n;
    return reexplored_.emplace(std::move(key), std::move(r)).first->second;
  }

  Verification verify(const Building& b, const std::vector<PlacedBarrier>& barriers) {
    Verification v;
    const Trace& trace = explorer_.trace();
    const Reexploration& r = reexplore(barriers);
    const Trace& fixed_trace = *r.trace;
    Explorer& fixed = *r.explorer;
    const RunHistory* fixed_history = r.history.get();
    const CheckReport& after = r.after;
    const OpId first_id = r.first_id;
    v.points = fixed_trace.ops().size() - r.first_point;
    // Verdicts kept from the run: process-kill states and crash points
    // before the operation the first barrier follows (a barrier changes
    // neither).
    auto cached = [&](const ShapeTally& t) {
      std::uint64_t n = 0;
      for (const auto& [at, count] : t.points)
        if (at.first == ModelKind::kProcessKill || at.second < first_id) n += count;
      return n;
    };
    std::uint64_t cached_all = 0;
    for (const auto& [s, t] : report_.shapes) cached_all += cached(t);
    v.after = after.total_violations + cached_all;
    v.nothing_new = after.harness_errors.empty();
    for (const auto& [s, t] : after.shapes)
      if (!report_.shapes.count(s)) {
        v.nothing_new = false;
        if (v.first_new.empty()) v.first_new = fmt::format("{} in {} ({})", t.example.violation.grade, t.example.violation.path, t.example.violation.reason);
      }
    // The group's own violations that remain.
    for (const std::string& s : b.shapes) {
      auto t = after.shapes.find(s);
      const std::uint64_t now = t == after.shapes.end() ? 0 : t->second.violations;
      if (!shared(s, b)) {
        v.remaining += now;
        auto o = report_.shapes.find(s);
        if (o != report_.shapes.end()) v.remaining += cached(o->second);
        if (now > 0 && !v.left) v.left = t->second.example;
        continue;
      }
      for (const StateViolation* sv : b.kept)
        if (violation_shape(sv->violation) == s && (sv->model == ModelKind::kProcessKill || sv->point < first_id)) ++v.remaining;
      if (now == 0) continue;
      // Shared: explain what remains; only this group's cause counts.
      std::size_t tried = 0;
      OpPaths fixed_paths(fixed_trace);
      for (const StateViolation& sv : after.violations) {
        if (violation_shape(sv.violation) != s || tried++ >= 2) continue;
        const Cause c = cause_of(fixed, fixed_paths, sv, fixed_history);
        if (group_key(sv, c) == b.key) {
          ++v.remaining;
          if (!v.left) v.left = sv;
        }
      }
    }
    if (v.left) {
      // Its cause, placed in the original trace's operation indices.
      OpPaths fixed_paths(fixed_trace);
      left_cause_ = cause_of(fixed, fixed_paths, *v.left, fixed_history);
      left_barriers_.clear();
      for (const PlacedBarrier& p : place_barriers(fixed_trace, fixed.index(), left_cause_)) {
        auto after_op = trace.find_op(OpId{fixed_trace.op_id(p.after).seq, 0});
        if (!after_op || fixed_trace.op_id(p.after).sub != 0) continue;
        PlacedBarrier q = p;
        q.after = *after_op;
        q.before = std::nullopt;
        if (p.before)
          if (auto bi = trace.find_op(OpId{fixed_trace.op_id(*p.before).seq, 0}); bi && *bi > q.after) q.before = *bi;
        left_barriers_.push_back(q);
      }
    }
    v.gone = v.remaining == 0;
    return v;
  }

  void fix_group(Building& b) {
    ViolationGroup& g = b.group;
    const Trace& trace = explorer_.trace();
    const bool process_kill =
        std::find(g.models.begin(), g.models.end(), ModelKind::kProcessKill) != g.models.end();
    const NodeId node = node_at_end(g.path);
    if (b.cause.minimal.size() == 0 || process_kill) {
      g.remedy = remedy_for(trace, explorer_.index(), node, g.path, true);
      g.no_fix_reason = fmt::format("nothing was lost to the crash: the program's own writes left this state (a process kill "
                                    "mid-update); no fsync fixes it: {}", g.remedy);
      return;
    }
    std::vector<PlacedBarrier> set = place_barriers(trace, explorer_.index(), b.cause);
    if (set.empty()) {
      g.remedy = remedy_for(trace, explorer_.index(), node, g.path, false);
      g.no_fix_reason = fmt::format("no barrier orders this cause (its operations are durable already or nothing "
                                    "persisted after them): {}", g.remedy);
      return;
    }
    Fix fix;
    std::vector<PlacedBarrier> all;
    std::vector<std::string> rules;
    auto add_pattern = [&](const PlacedBarrier& p) {
      std::string rule;
      for (const PlacedBarrier& q : pattern_instances(trace, explorer_.index(), paths_, p, g.path, rule))
        if (std::find(all.begin(), all.end(), q) == all.end()) all.push_back(q);
      if (std::find(rules.begin(), rules.end(), rule) == rules.end()) rules.push_back(rule);
    };
    for (const PlacedBarrier& p : set) add_pattern(p);
    Verification v;
    for (int round = 0; round < 3; ++round) {
      say(fmt::format("verifying {} barrier(s) for {} in {}", all.size(), g.grade, g.path));
      v = verify(b, all);
      if (v.gone || !v.left) break;
      // The barriers the remaining violations need, verified together with these.
      std::size_t grew = 0;
      for (const PlacedBarrier& p : left_barriers_) {
        if (std::find(all.begin(), all.end(), p) != all.end()) continue;
        set.push_back(p);
        add_pattern(p);
        ++grew;
      }
      if (grew == 0) break;
    }
    std::sort(set.begin(), set.end(), [](const PlacedBarrier& x, const PlacedBarrier& y) { return x.after < y.after; });
    for (const PlacedBarrier& p : set) fix.set.push_back(describe_barrier(trace, p));
    static_cast<Barrier&>(fix) = fix.set.front();
    std::vector<std::string> texts;
    for (const Barrier& x : fix.set) texts.push_back(x.text);
    fix.text = fmt::format("{}", fmt::join(texts, "; "));
    fix.instances = all.size();
    for (const PlacedBarrier& p : all) fix.everywhere.push_back(describe_barrier(trace, p));
    if (all.size() > set.size()) {
      fix.pattern = fmt::format("{} ({} places)", fmt::join(rules, "; "), all.size());
      fix.text += fmt::format("; at every instance: {}", fix.pattern);
    }
    fix.verified = v.gone && v.nothing_new;
    fix.violations_after = v.after;
    fix.violations_removed = report_.total_violations >= v.after ? report_.total_violations - v.after : 0;
    fix.verification = fmt::format(
        "re-explored {} crash point(s) from the first barrier with {} barrier(s) inserted: {} of the group's "
        "violations left, {}",
        v.points, all.size(), v.remaining,
        v.nothing_new ? std::string("no new violation") : fmt::format("new: {}", v.first_new));
    if (!fix.verified) {
      g.no_fix_reason = v.gone ? fmt::format("{} removes this group but brings new violations ({})", fix.text, v.first_new)
                               : fmt::format("{} does not remove this group (verified by re-exploring)", fix.text);
      g.remedy = remedy_for(trace, explorer_.index(), node, g.path, false);
    }
    g.fix = std::move(fix);
  }

  NodeId node_at_end(const std::string& path) const {
    if (path.empty()) return 0;
    const Trace& trace = explorer_.trace();
    for (std::size_t i = trace.ops().size(); i-- > 0;)
      if (paths_.after(i) == path && trace.op(i).node != 0 && is_mutation(trace.op(i).type)) return trace.op(i).node;
    return 0;
  }

  Explorer& explorer_;
  BaseContent* base_;
  const std::vector<Checker*>& checkers_;
  const CheckReport& report_;
  const ExplainOptions& options_;
  const RunHistory* history_;
  OpPaths paths_;
  std::map<std::string, Checker*> by_name_;
  std::vector<Building> groups_;
  std::map<std::string, std::size_t> by_key_;
  std::deque<Trace> traces_;  // re-explored traces must outlive their explorers
  std::map<std::vector<std::tuple<std::size_t, RecordType, NodeId>>, Reexploration> reexplored_;
  Cause left_cause_;
  std::vector<PlacedBarrier> left_barriers_;
  std::uint64_t rechecked_ = 0;
};

}  // namespace

Explanation explain(Explorer& explorer, BaseContent* base, const std::vector<Checker*>& checkers,
                    const CheckReport& report, const ExplainOptions& options) {
  // Every re-check is judged against the run's own history and promises.
  std::unique_ptr<TraceHistory> own_history;
  const RunHistory* history = options.check.history;
  if (history == nullptr) {
    own_history = std::make_unique<TraceHistory>(explorer, std::vector<Acknowledgement>{});
    history = own_history.get();
  }
  return Explainer(explorer, base, checkers, report, options, history).run();
}

}  // namespace crashfs
