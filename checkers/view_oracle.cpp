#include "checkers/view_oracle.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "core/trace.h"

namespace crashfs {
namespace {

constexpr std::size_t kOpen = std::numeric_limits<std::size_t>::max();
constexpr std::size_t kMaxOps = 64;

// The operations whose bytes make up `unit` in the state (a file unit).
std::vector<Seq> ops_of(const StateView& state, const std::string& unit) {
  std::vector<Seq> ops;
  const FileEntry* e = unit.empty() ? nullptr : state.find(unit);
  if (e == nullptr || e->kind != NodeKind::kFile || e->size == 0) return ops;
  for (const Provenance& p : state.provenance(*e, 0, e->size)) {
    if (p.seq != 0 && std::find(ops.begin(), ops.end(), p.seq) == ops.end()) ops.push_back(p.seq);
    if (ops.size() >= kMaxOps) break;
  }
  std::sort(ops.begin(), ops.end());
  return ops;
}

std::string unit_name(const std::string& unit) { return unit.empty() ? "the state" : unit; }

std::string moment_text(const RunHistory& history, std::size_t moment) {
  if (moment == 0) return "before the first operation";
  if (moment - 1 < history.trace().ops().size())
    return fmt::format("after #{}", history.trace().op_id(moment - 1).to_string());
  return fmt::format("after operation {}", moment);
}

// The replayable id of the run's state at `moment` (for commands).
std::string history_state_id(const RunHistory& history, std::size_t moment) {
  if (moment == 0 || moment - 1 >= history.trace().ops().size()) return "initial";
  return "process-kill@" + history.trace().op_id(moment - 1).to_string();
}

}  // namespace

// ---- ViewDigest ----

ViewDigest& ViewDigest::add(std::string_view part) {
  add(static_cast<std::uint64_t>(part.size()));
  hasher_.update(part);
  return *this;
}

ViewDigest& ViewDigest::add(std::uint64_t number) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((number >> (8 * i)) & 0xff);
  hasher_.update(std::string_view(bytes, 8));
  return *this;
}

ContentHash ViewDigest::finish() const {
  ContentHash h = hasher_.finish();
  if (h == kAbsentView) h.lo = 1;  // never collides with "absent"
  return h;
}

// ---- OracleChecker ----

OracleChecker::OracleChecker(std::unique_ptr<ViewReader> reader) : reader_(std::move(reader)) {}

void OracleChecker::set_view(UnitHistory& h, std::size_t moment, const Recovered& r) {
  if (r.view == h.current) return;
  auto& old_spans = h.spans[h.current];
  if (!old_spans.empty() && old_spans.back().second == kOpen) old_spans.back().second = moment;
  h.spans[r.view].emplace_back(moment, kOpen);
  h.current = r.view;
  h.changes.emplace_back(moment, r.view);
  h.summaries.emplace(r.view, r.summary);
}

std::string OracleChecker::summary_at(const std::string& unit, std::size_t moment) const {
  auto it = hist_.find(unit);
  if (it == hist_.end()) return "absent";
  const auto& changes = it->second.changes;
  auto c = std::upper_bound(changes.begin(), changes.end(), moment,
                            [](std::size_t m, const std::pair<std::size_t, ContentHash>& ch) { return m < ch.first; });
  if (c == changes.begin()) return "absent";
  auto s = it->second.summaries.find((c - 1)->second);
  return s == it->second.summaries.end() ? "?" : s->second;
}

void OracleChecker::extend_history(const RunHistory& history, std::size_t upto) {
  if (history_ != &history) {
    history_ = &history;
    computed_ = 0;
    hist_.clear();
  }
  upto = std::min(upto, history.moments() - 1);
  std::vector<std::string> units;
  for (std::size_t m = computed_; m <= upto; ++m) {
    const auto state = history.state_at(m);
    const std::string id = history_state_id(history, m);
    units.clear();
    reader_->units(*state, units);
    std::sort(units.begin(), units.end());
    units.erase(std::unique(units.begin(), units.end()), units.end());
    // Units that disappeared at this moment read as absent.
    for (auto& [unit, h] : hist_) {
      if (h.current != kAbsentView && !std::binary_search(units.begin(), units.end(), unit))
        set_view(h, m, Recovered{kAbsentView, "absent"});
    }
    for (const std::string& unit : units) {
      auto it = hist_.find(unit);
      if (it == hist_.end()) {
        it = hist_.emplace(unit, UnitHistory{}).first;
        it->second.spans[kAbsentView].emplace_back(0, kOpen);  // absent until now
        it->second.summaries.emplace(kAbsentView, "absent");
      }
      set_view(it->second, m, reader_->recover(*state, id, unit));
    }
  }
  computed_ = std::max(computed_, upto + 1);
}

bool OracleChecker::seen(const std::string& unit, const ContentHash& view, std::size_t lo, std::size_t hi) const {
  auto it = hist_.find(unit);
  if (it == hist_.end()) return view == kAbsentView;  // never present in the run
  auto s = it->second.spans.find(view);
  if (s == it->second.spans.end()) return false;
  const auto& spans = s->second;  // disjoint, in moment order
  auto after = std::upper_bound(spans.begin(), spans.end(), hi,
                                [](std::size_t m, const std::pair<std::size_t, std::size_t>& sp) { return m < sp.first; });
  if (after == spans.begin()) return false;
  return (after - 1)->second > lo;
}

void OracleChecker::check(const CheckContext& ctx, std::vector<Violation>& out) {
  std::vector<std::string> units;
  reader_->units(ctx.state, units);
  reader_->units(ctx.completed, units);
  std::sort(units.begin(), units.end());
  units.erase(std::unique(units.begin(), units.end()), units.end());
  units_judged_ += units.size();
  if (ctx.history != nullptr && !units.empty()) extend_history(*ctx.history, ctx.moment);

  for (const std::string& unit : units) {
    const std::size_t before = out.size();
    reader_->integrity(ctx, unit, out);
    for (std::size_t i = before; i < out.size(); ++i)
      if (out[i].checker.empty()) out[i].checker = name();
    const bool damaged = out.size() > before;
    if (ctx.history == nullptr || (damaged && !reader_->recovers_despite_damage())) continue;

    const RunHistory& history = *ctx.history;
    const std::size_t moment = std::min(ctx.moment, history.moments() - 1);
    const Recovered got = reader_->recover(ctx.state, ctx.state_id, unit);
    Violation v;
    v.checker = name();
    v.path = unit;
    if (!damaged && !seen(unit, got.view, 0, moment)) {
      v.grade = "inconsistent-recovery";
      v.reason = fmt::format(
          "what a reader recovers from {} ({}) is no state the crash-free run passed through up to the crash "
          "({}): a mix of old and new, or something never written",
          unit_name(unit), got.summary, moment_text(history, moment));
      v.ops = ops_of(ctx.state, unit);
      out.push_back(std::move(v));
      continue;
    }
    const Acknowledgement* ack = history.latest_acknowledgement(moment);
    if (reader_->file_scoped()) {
      const Acknowledgement* sync = history.latest_file_sync(unit, moment);
      if (sync != nullptr && (ack == nullptr || sync->moment > ack->moment)) ack = sync;
    }
    if (ack == nullptr || seen(unit, got.view, ack->moment, moment)) continue;
    // A damaged unit whose view the run never showed is reported as damage
    // (above), not as older than the acknowledgement.
    if (damaged && !seen(unit, got.view, 0, moment)) continue;
    v.grade = "lost-acked";
    v.reason = fmt::format(
        "{} reads as it was only before the acknowledgement {} (now: {}; acknowledged: {}): what the program "
        "had acknowledged is lost",
        unit_name(unit), ack->what, got.summary, summary_at(unit, ack->moment));
    v.ops = ops_of(ctx.state, unit);
    out.push_back(std::move(v));
  }
}

}  // namespace crashfs
