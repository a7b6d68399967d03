#include "analysis/explain_cause.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/explain_shape.h"
#include "core/trace_index.h"

namespace crashfs {

// ------------------------------------------------------------- Deviations --

Deviations Deviations::of(const StateSpec& spec, const TraceIndex& index, std::size_t point) {
  const Trace& trace = index.trace();
  Deviations d;
  for (const SeqRange& r : spec.omitted) {
    std::vector<Seq> singles;
    for (std::size_t i = 0; i < trace.ops().size() && singles.size() <= 64; ++i) {
      const OpId id = trace.op_id(i);
      if (id.sub == 0 && id.seq >= r.first && id.seq <= r.last && is_mutation(trace.op(i).type) &&
          !index.durable(i, point))
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

StateSpec Deviations::apply_to(StateSpec spec) const {
  spec.omitted = omitted;
  std::sort(spec.omitted.begin(), spec.omitted.end(), [](const SeqRange& a, const SeqRange& b) { return a.first < b.first; });
  spec.torn = torn;
  std::sort(spec.torn.begin(), spec.torn.end(), [](const TornWrite& a, const TornWrite& b) { return a.op < b.op; });
  spec.zeroed = zeroed;
  std::sort(spec.zeroed.begin(), spec.zeroed.end());
  return spec;
}

Deviations Deviations::without(std::size_t i) const {
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

Seq Deviations::seq_of(std::size_t i) const {
  if (i < omitted.size()) return omitted[i].first;
  i -= omitted.size();
  if (i < torn.size()) return torn[i].op;
  return zeroed[i - torn.size()];
}

bool Deviations::touches(Seq seq) const {
  for (const auto& r : omitted)
    if (seq >= r.first && seq <= r.last) return true;
  for (const auto& t : torn)
    if (t.op == seq) return true;
  return std::find(zeroed.begin(), zeroed.end(), seq) != zeroed.end();
}

// -------------------------------------------------------------- Rechecker --

std::optional<bool> Rechecker::violates(const StateSpec& spec) {
  if (used_ >= budget_) return std::nullopt;
  ++used_;
  std::vector<Violation> found;
  std::vector<Checker*> one{&checker_};
  if (!check_state(explorer_, spec, one, history_, found).is_ok()) return std::nullopt;
  return std::any_of(found.begin(), found.end(), [&](const Violation& f) {
    return f.path == v_.path && f.grade == v_.grade && (f.checker.empty() || f.checker == v_.checker);
  });
}

// ------------------------------------------------------------------ cause --

namespace {

std::string_view role_tag(CauseOp::Role role) {
  switch (role) {
    case CauseOp::Role::kLost: return "lost";
    case CauseOp::Role::kLostRange: return "lost-range";
    case CauseOp::Role::kTorn: return "torn";
    case CauseOp::Role::kZeroed: return "lost";  // its bytes were: the same shape as a lost write
    case CauseOp::Role::kExposes: return "exposes";
  }
  return "?";
}

std::string role_text(const CauseOp& op) {
  switch (op.role) {
    case CauseOp::Role::kLost: return "lost";
    case CauseOp::Role::kLostRange: return fmt::format("lost (with every unsynced operation up to #{})", op.range_last);
    case CauseOp::Role::kTorn: return "torn";
    case CauseOp::Role::kZeroed: return "zeroed (size persisted, bytes did not)";
    case CauseOp::Role::kExposes: return "persisted (exposes it)";
  }
  return "?";
}

std::string op_path_role(const Trace& trace, const OpPaths& paths, std::size_t i, const std::string& file) {
  const Record& r = trace.op(i);
  if (r.type == RecordType::kRename || r.type == RecordType::kLink)
    return path_role(paths.before(i), file) + "->" + path_role(paths.after(i), file);
  return path_role(paths.after(i), file);
}

// In a shape, an entry change is known by its directory and the shape of
// its name (every file created in stage/ is one role), a data change by
// its file's role.
std::string shape_role(const Trace& trace, const OpPaths& paths, std::size_t i, const std::string& file) {
  const Record& r = trace.op(i);
  if (op_class(r.type) != OpClass::kEntry || r.type == RecordType::kRename || r.type == RecordType::kLink)
    return op_path_role(trace, paths, i, file);
  const std::string& p = paths.after(i);
  if (p == file) return "<file>";
  const auto slash = p.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string() : p.substr(0, slash);
  const std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
  const std::string name_role = name.find('.', 1) == std::string::npos ? "*" : path_shape(name);
  return (dir.empty() ? std::string() : path_role(dir, file) + "/") + name_role;
}

// The spec of the same deviations with the crash right after operation q.
StateSpec at_point(const Trace& trace, StateSpec spec, std::size_t q) {
  spec.point = trace.op_id(q);
  return spec;
}

}  // namespace

Cause find_cause(Explorer& explorer, const OpPaths& paths, Checker& checker, const RunHistory* history,
                 const std::string& state_id, const Violation& v, std::size_t budget) {
  Cause cause;
  const Trace& trace = explorer.trace();
  StateSpec spec;
  if (!StateSpec::parse(state_id, spec).is_ok()) return cause;
  const auto point = trace.find_op(spec.point);
  if (!point) return cause;
  cause.valid = true;
  Rechecker recheck(explorer, checker, history, v, budget);

  // 1. Minimal deviations: give back the earliest first.
  Deviations d = Deviations::of(spec, explorer.index(), *point);
  using Slot = std::pair<std::size_t, Seq>;  // (omitted / torn / zeroed, seq)
  auto slot = [](const Deviations& dv, std::size_t i) {
    const std::size_t k = i < dv.omitted.size() ? 0 : i < dv.omitted.size() + dv.torn.size() ? 1 : 2;
    return Slot{k, dv.seq_of(i)};
  };
  auto index_of = [&](const Deviations& dv, const Slot& s) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < dv.size(); ++i)
      if (slot(dv, i) == s) return i;
    return std::nullopt;
  };
  // Rounds, earliest first.  A deviation found needed before a later one
  // went is tested again in the next round (what was needed beside a
  // deviation that went may not be needed without it); one found needed
  // after the last removal stays.
  std::vector<Slot> todo, settled;  // settled: found needed after the last removal
  for (std::size_t i = 0; i < d.size(); ++i) todo.push_back(slot(d, i));
  while (!todo.empty()) {
    std::sort(todo.begin(), todo.end(), [](const Slot& a, const Slot& b) { return a.second < b.second; });
    std::vector<Slot> stale;
    for (const Slot& s : todo) {
      const auto i = index_of(d, s);
      if (!i) continue;
      const Deviations without = d.without(*i);
      const auto still = recheck.violates(without.apply_to(spec));
      if (still && *still) {
        d = without;
        stale.insert(stale.end(), settled.begin(), settled.end());
        settled.clear();
      } else {
        settled.push_back(s);
      }
    }
    todo = std::move(stale);
  }
  cause.minimal = d;

  for (const auto& r : d.omitted)
    if (auto i = trace.find_op(OpId{r.first, 0}))
      cause.ops.push_back(CauseOp{*i, r.first == r.last ? CauseOp::Role::kLost : CauseOp::Role::kLostRange, r.last});
  for (const auto& t : d.torn)
    if (auto i = trace.find_op(OpId{t.op, 0})) cause.ops.push_back(CauseOp{*i, CauseOp::Role::kTorn});
  for (Seq z : d.zeroed)
    if (auto i = trace.find_op(OpId{z, 0})) cause.ops.push_back(CauseOp{*i, CauseOp::Role::kZeroed});
  std::sort(cause.ops.begin(), cause.ops.end(), [](const CauseOp& a, const CauseOp& b) { return a.index < b.index; });

  // 2. The exposing operation: the crash point at which the cause's
  //    deviations first give the violation (the operation there persisted
  //    and made them matter: the rename, the marker, the exchange, the
  //    acknowledging fsync).  Linear from the cause's last operation for a
  //    few points, then by bisection.
  std::optional<std::size_t> exposing;
  if (!cause.ops.empty()) {
    std::size_t start = cause.ops.back().index;
    for (const auto& r : d.omitted)
      if (auto i = trace.find_op(OpId{r.last, 0})) start = std::max(start, *i);
    const StateSpec minimal = d.apply_to(spec);
    std::size_t q = start;
    for (; q <= *point && q < start + 8; ++q) {
      const auto bad = recheck.violates(at_point(trace, minimal, q));
      if (bad && *bad) {
        exposing = q;
        break;
      }
    }
    if (!exposing && q <= *point) {
      std::size_t lo = q, hi = *point;  // violates at hi (the state itself)
      while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        const auto bad = recheck.violates(at_point(trace, minimal, mid));
        if (!bad) break;
        if (*bad) hi = mid;
        else lo = mid + 1;
      }
      exposing = hi;
    }
  }
  // The operation at which a cause appears is the exposing one only when it
  // is not itself a deviation (a torn data write after a lost log record
  // is both the second deviation and where the violation appears).
  // Nor when it had no effect in the state: omitting it too leaves the
  // violation (an exchange of a directory whose mkdir was lost is a no-op;
  // what made the violation appear there was an acknowledgement).
  if (exposing && !d.touches(trace.op_id(*exposing).seq) && trace.op_id(*exposing).sub == 0) {
    bool effect = true;
    if (is_mutation(trace.op(*exposing).type)) {
      Deviations more = d;
      const Seq seq = trace.op_id(*exposing).seq;
      more.omitted.push_back(SeqRange{seq, seq});
      const auto still = recheck.violates(more.apply_to(spec));
      effect = !(still && *still);
    }
    if (effect) cause.ops.push_back(CauseOp{*exposing, CauseOp::Role::kExposes});
  }

  // 3. Kind.
  bool lost = false, partial = false;
  std::optional<std::size_t> first_lost;
  for (const CauseOp& op : cause.ops) {
    if (op.role == CauseOp::Role::kLost || op.role == CauseOp::Role::kLostRange || op.role == CauseOp::Role::kZeroed) {
      lost = true;
      if (!first_lost) first_lost = op.index;
    }
    if (op.role == CauseOp::Role::kTorn || op.role == CauseOp::Role::kZeroed) partial = true;
  }
  bool later_persisted = false;  // something after a lost operation persisted (whole or in part)
  if (first_lost)
    for (const CauseOp& op : cause.ops) {
      if (op.index <= *first_lost) continue;
      if (op.role == CauseOp::Role::kTorn) later_persisted = true;
      if (op.role == CauseOp::Role::kExposes && is_mutation(trace.op(op.index).type)) later_persisted = true;
    }
  // A zeroed write with nothing later persisted is that write's atomicity
  // (its size persisted, its bytes did not), not a loss.
  bool only_zeroed = true;
  for (const CauseOp& op : cause.ops)
    if (op.role != CauseOp::Role::kZeroed && op.role != CauseOp::Role::kExposes) only_zeroed = false;
  if (d.size() == 0) cause.kind = CauseKind::kAtomicity;
  else if (lost && later_persisted) cause.kind = CauseKind::kOrdering;
  else if ((!lost && partial) || only_zeroed) cause.kind = CauseKind::kAtomicity;
  else cause.kind = CauseKind::kDurability;

  // 4. Descriptions and the shape.
  std::vector<std::string> shape;
  for (const CauseOp& op : cause.ops) {
    const OpId id = trace.op_id(op.index);
    const std::string role = op_path_role(trace, paths, op.index, v.path);
    cause.described.push_back(OpDescription{id.seq, explorer.describe_op(op.index), role_text(op), role});
    shape.push_back(fmt::format("{} {} {}", role_tag(op.role), to_string(trace.op(op.index).type),
                                shape_role(trace, paths, op.index, v.path)));
  }
  if (cause.ops.empty()) {
    for (Seq s : v.ops) {
      const auto i = trace.find_op(OpId{s, 0});
      cause.described.push_back(OpDescription{s, describe_seq(explorer, s), "written",
                                              i ? op_path_role(trace, paths, *i, v.path) : std::string()});
    }
    shape.push_back("the program's own writes");
  }
  cause.shape = fmt::format("{}", fmt::join(shape, "; "));
  cause.rechecks = recheck.used();
  return cause;
}

}  // namespace crashfs
