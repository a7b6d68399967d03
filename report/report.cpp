#include "report/report.h"

#include <map>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace crashfs {
namespace {

std::uint64_t total(const CheckReport& r, std::uint64_t ModelSummary::*field) {
  std::uint64_t n = 0;
  for (const auto& m : r.summary.models) n += m.*field;
  return n;
}

bool all_exhaustive(const CheckReport& r) {
  for (const auto& m : r.summary.models)
    if (m.bounded_points != 0 || m.capped_points != 0) return false;
  return true;
}


std::string cell_verdict(const CellVerdict& v) {
  if (v.violations) return "violation";
  return v.inconclusive.empty() ? "clean" : "inconclusive";
}

// What the cap left out, in words ("" when nothing was capped).
std::string cap_summary(const ModelSummary& m) {
  if (m.capped_points == 0 && m.skipped_points == 0) return {};
  std::string out = fmt::format("capped by --max-states: {} of {} planned states generated", m.generated, m.planned);
  if (m.single_deviations_wanted)
    out += fmt::format(", {} of {} {} first", m.single_deviations, m.single_deviations_wanted,
                       m.model == ModelKind::kExt4Ordered ? "crash cuts and lost writes"
                                                          : "single lost/torn operations");
  if (m.skipped_points) out += fmt::format(", {} crash points without a state of the bounded passes", m.skipped_points);
  return out;
}

}  // namespace

std::string_view run_verdict(const CheckReport& report) {
  if (!report.clean()) return "violation";
  if (!report.harness_errors.empty()) return "harness-error";
  if (!report.inconclusive.empty()) return "inconclusive";
  return "clean";
}

std::string verdict_line(const CheckReport& report) {
  const std::string_view v = run_verdict(report);
  if (v == "violation") return fmt::format("verdict: VIOLATION ({} violation(s))", report.total_violations);
  if (v == "harness-error") return fmt::format("verdict: HARNESS ERROR ({}): crashfs could not judge every state",
                                               report.harness_errors.size());
  if (v == "inconclusive") return fmt::format("verdict: INCONCLUSIVE: {}", fmt::join(report.inconclusive, "; "));
  return "verdict: clean";
}

nlohmann::json report_json(const RunInfo& info, const CheckReport& report, const Explanation& explanation,
                           Explorer& explorer) {
  using nlohmann::json;
  json j;
  j["crashfs"] = "0.1.0";
  j["trace"] = info.trace_path;
  j["command"] = info.command;
  j["command_exit"] = info.command_exit;
  j["checkers"] = info.checkers;
  j["ack"] = info.ack_patterns;
  j["acknowledgements"] = info.acknowledgements;
  j["trace_digest"] = info.trace_digest;
  j["options"] = info.options;
  j["shard"] = info.shard.empty() ? nlohmann::json(nullptr) : nlohmann::json(info.shard);
  j["verdict"] = std::string(run_verdict(report));
  if (!report.inconclusive.empty()) j["reason"] = fmt::format("{}", fmt::join(report.inconclusive, "; "));
  j["inconclusive"] = report.inconclusive;

  std::uint64_t checked = 0;
  for (const auto& [model, n] : report.states_checked) checked += n;
  json models = json::array();
  for (const auto& m : report.summary.models) {
    auto it = report.states_checked.find(m.model);
    models.push_back({{"model", std::string(to_string(m.model))},
                      {"crash_points", m.crash_points},
                      {"exhaustive_points", m.exhaustive_points},
                      {"bounded_points", m.bounded_points},
                      {"capped_points", m.capped_points},
                      {"skipped_points", m.skipped_points},
                      {"single_deviations", m.single_deviations},
                      {"single_deviations_wanted", m.single_deviations_wanted},
                      {"planned", m.planned},
                      {"generated", m.generated},
                      {"distinct", m.distinct},
                      {"checked", it == report.states_checked.end() ? 0 : it->second}});
  }
  j["summary"] = {{"states_generated", total(report, &ModelSummary::generated)},
                  {"states_distinct", total(report, &ModelSummary::distinct)},
                  {"states_checked", checked},
                  {"exhaustive", all_exhaustive(report)},
                  {"violations", report.total_violations},
                  {"violations_listed", report.violations.size()},
                  {"harness_errors", report.harness_errors.size()},
                  {"models", models}};

  json verdicts = json::array();
  for (const auto& [cell, v] : report.cells) {
    json verdict = {{"model", std::string(to_string(cell.first))},
                    {"checker", cell.second},
                    {"states_checked", v.states_checked},
                    {"violating_states", v.violating_states},
                    {"violations", v.violations},
                    {"verdict", cell_verdict(v)}};
    if (!v.violations && !v.inconclusive.empty()) verdict["reason"] = v.inconclusive;
    verdicts.push_back(std::move(verdict));
  }
  j["verdicts"] = verdicts;

  json violations = json::array();
  for (const auto& sv : report.violations) {
    json ops = json::array();
    for (Seq seq : sv.violation.ops) ops.push_back({{"seq", seq}, {"op", describe_seq(explorer, seq)}});
    violations.push_back({{"state", sv.state_id},
                          {"model", std::string(to_string(sv.model))},
                          {"crash_point", sv.point.to_string()},
                          {"lost", sv.state_description},
                          {"checker", sv.violation.checker},
                          {"path", sv.violation.path},
                          {"offset", sv.violation.offset},
                          {"reason", sv.violation.reason},
                          {"grade", sv.violation.grade},
                          {"ops", ops}});
  }
  j["violations"] = violations;
  j["harness_errors"] = report.harness_errors;

  json groups = json::array(), fixes = json::array();
  for (std::size_t i = 0; i < explanation.groups.size(); ++i) {
    const ViolationGroup& g = explanation.groups[i];
    json ops = json::array();
    json exposing = json::array();
    for (const OpDescription& op : g.ops) {
      ops.push_back({{"seq", op.seq}, {"role", op.role}, {"path_role", op.path_role}, {"op", op.text}});
      if (op.role.rfind("persisted", 0) == 0) exposing.push_back(op.seq);
    }
    json models = json::array();
    for (ModelKind m : g.models) models.push_back(std::string(to_string(m)));
    json group = {{"id", i + 1},          {"checker", g.checker},   {"path", g.path},
                  {"grade", g.grade},     {"reason", g.reason},     {"kind", std::string(to_string(g.kind))},
                  {"models", models},     {"violations", g.violations}, {"states", g.states},
                  {"example_state", g.example_state}, {"explanation", g.explanation}, {"ops", ops}};
    group["exposing_ops"] = exposing;
    group["shape"] = g.shape;
    group["files"] = g.files;
    if (!g.no_fix_reason.empty()) group["no_fix_reason"] = g.no_fix_reason;
    if (!g.remedy.empty()) group["remedy"] = g.remedy;
    groups.push_back(group);
    if (g.fix) {
      const Fix& f = *g.fix;
      json set = json::array();
      for (const Barrier& b : f.set)
        set.push_back({{"barrier", std::string(to_string(b.barrier))},
                       {"path", b.path},
                       {"after_op", b.after_op},
                       {"before_op", b.before_op == 0 ? json(nullptr) : json(b.before_op)},
                       {"text", b.text}});
      fixes.push_back({{"group", i + 1},
                       {"set", set},
                       {"pattern", f.pattern},
                       {"instances", f.instances},
                       {"verification", f.verification},
                       {"barrier", std::string(to_string(f.barrier))},
                       {"path", f.path},
                       {"after_op", f.after_op},
                       {"before_op", f.before_op == 0 ? json(nullptr) : json(f.before_op)},
                       {"violations_removed", f.violations_removed},
                       {"violations_after", f.violations_after},
                       {"verified", f.verified},
                       {"text", f.text}});
    }
  }
  j["groups"] = groups;
  j["fixes"] = fixes;
  json unneeded = json::array(), needed = json::array();
  for (const DurabilityVerdict& d : explanation.durability) {
    if (d.needed) needed.push_back({{"seq", d.seq}, {"op", d.op}, {"needed_by", d.needed_by}});
    else if (d.why_not.empty()) unneeded.push_back({{"seq", d.seq}, {"op", d.op}});
    else unneeded.push_back({{"seq", d.seq}, {"op", d.op}, {"why", d.why_not}});
  }
  j["unneeded_fsyncs"] = unneeded;
  j["needed_fsyncs"] = needed;
  j["fsyncs_analyzed"] = explanation.fsyncs_analyzed;
  if (!explanation.fsyncs_skipped_reason.empty()) j["fsyncs_skipped_reason"] = explanation.fsyncs_skipped_reason;
  return j;
}

void print_summary(std::FILE* out, const RunInfo& info, const CheckReport& report, const Explanation& explanation,
                   std::size_t max_groups) {
  fmt::print(out, "\nExplored {}\n", info.trace_path);
  for (const auto& m : report.summary.models) {
    std::string how = m.bounded_points == 0 ? "exhaustive" : fmt::format("{} exhaustive, {} bounded", m.exhaustive_points, m.bounded_points);
    if (const std::string cap = cap_summary(m); !cap.empty()) how += ", " + cap;
    fmt::print(out, "  {:<13} {} crash points ({}): {} states generated, {} distinct\n", to_string(m.model),
               m.crash_points, how, m.generated, m.distinct);
  }
  fmt::print(out, "\n  {:<13} {:<24} {:>8} {:>10}  {}\n", "model", "checker", "states", "violating", "verdict");
  for (const auto& [cell, v] : report.cells) {
    const std::string verdict = cell_verdict(v);
    fmt::print(out, "  {:<13} {:<24} {:>8} {:>10}  {}\n", to_string(cell.first), cell.second, v.states_checked,
               v.violating_states, verdict == "violation" ? "VIOLATION" : verdict == "inconclusive" ? "INCONCLUSIVE" : "clean");
  }
  if (!info.ack_patterns.empty())
    fmt::print(out, "\n  --ack {}: {} acknowledgement(s) in the trace{}\n", fmt::join(info.ack_patterns, " --ack "),
               info.acknowledgements,
               info.acknowledgements == 0 ? " (no output line or mark matched: only fsyncs acknowledge)" : "");
  if (info.command_exit != 0)
    fmt::print(out, "  the workload exited {}; its trace was checked all the same\n", info.command_exit);

  if (!explanation.groups.empty()) {
    fmt::print(out, "\n{} violation(s){} from {} distinct cause(s), most important first:\n", report.total_violations,
               report.violations.size() < report.total_violations
                   ? fmt::format(" ({} listed)", report.violations.size())
                   : "",
               explanation.groups.size());
    std::size_t shown = 0;
    for (const ViolationGroup& g : explanation.groups) {
      if (shown++ == max_groups) {
        fmt::print(out, "  ... {} more group(s): see --report-json\n", explanation.groups.size() - max_groups);
        break;
      }
      fmt::print(out, "\n  {}. [{}] {}: {} ({})\n", shown, g.checker, g.path, g.reason, g.grade);
      fmt::print(out, "     {}\n", g.explanation);
      for (const OpDescription& op : g.ops) fmt::print(out, "     {:<24} {}\n", op.role, op.text);
      if (g.fix && g.fix->verified) {
        fmt::print(out, "     fix: {} (verified: re-explored with it, this group is gone and nothing new appears)\n",
                   g.fix->text);
      } else if (!g.no_fix_reason.empty()) {
        fmt::print(out, "     no fix: {}\n", g.no_fix_reason);
      }
      if (!g.remedy.empty() && g.no_fix_reason.find(g.remedy) == std::string::npos)
        fmt::print(out, "     remedy: {}\n", g.remedy);
      fmt::print(out, "     reproduce: crashfs replay {} --state '{}' --out DIR\n", info.trace_path, g.example_state);
    }
  }
  if (explanation.fsyncs_analyzed && !explanation.durability.empty()) {
    fmt::print(out, "\nRecorded fsyncs ({} of them), each removed and re-explored unless said otherwise:\n",
               explanation.durability.size());
    for (const DurabilityVerdict& d : explanation.durability) {
      if (d.needed)
        fmt::print(out, "  needed      {}  (without it: {})\n", d.op, d.needed_by);
      else if (!d.why_not.empty())
        fmt::print(out, "  not needed  {}  (not re-explored: {})\n", d.op, d.why_not);
      else
        fmt::print(out, "  not needed  {}  (every checker passes in every state without it)\n", d.op);
    }
  } else if (!explanation.fsyncs_skipped_reason.empty()) {
    fmt::print(out, "\nfsync analysis skipped: {}\n", explanation.fsyncs_skipped_reason);
  }
  for (const auto& e : report.harness_errors) fmt::print(out, "harness error: {}\n", e);
  fmt::print(out, "\n{}\n\n", verdict_line(report));
}

}  // namespace crashfs
