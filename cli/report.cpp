#include "cli/report.h"

#include <map>
#include <tuple>

#include <fmt/format.h>

namespace crashfs::cli {
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

// Violations with the same checker, path, grade and reason are one group.
using GroupKey = std::tuple<std::string, std::string, std::string, std::string>;

}  // namespace

std::string describe_seq(Explorer& explorer, Seq seq) {
  if (auto op = explorer.trace().find_op(OpId{seq, 0})) return explorer.describe_op(*op);
  return fmt::format("#{}", seq);
}

nlohmann::json report_json(const RunInfo& info, const CheckReport& report, Explorer& explorer) {
  using nlohmann::json;
  json j;
  j["crashfs"] = "0.1.0";
  j["trace"] = info.trace_path;
  j["command"] = info.command;
  j["command_exit"] = info.command_exit;
  j["checkers"] = info.checkers;

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
    verdicts.push_back({{"model", std::string(to_string(cell.first))},
                        {"checker", cell.second},
                        {"states_checked", v.states_checked},
                        {"violating_states", v.violating_states},
                        {"violations", v.violations},
                        {"verdict", v.violations ? "violation" : "clean"}});
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
  return j;
}

void print_summary(std::FILE* out, const RunInfo& info, const CheckReport& report, Explorer& explorer,
                   std::size_t max_groups) {
  fmt::print(out, "\nExplored {}\n", info.trace_path);
  for (const auto& m : report.summary.models) {
    std::string how = m.bounded_points == 0 ? "exhaustive" : fmt::format("{} exhaustive, {} bounded", m.exhaustive_points, m.bounded_points);
    if (m.capped_points) how += fmt::format(", {} capped by --max-states", m.capped_points);
    fmt::print(out, "  {:<13} {} crash points ({}): {} states generated, {} distinct\n", to_string(m.model),
               m.crash_points, how, m.generated, m.distinct);
  }
  fmt::print(out, "\n  {:<13} {:<24} {:>8} {:>10}  {}\n", "model", "checker", "states", "violating", "verdict");
  for (const auto& [cell, v] : report.cells) {
    fmt::print(out, "  {:<13} {:<24} {:>8} {:>10}  {}\n", to_string(cell.first), cell.second, v.states_checked,
               v.violating_states, v.violations ? "VIOLATION" : "clean");
  }

  if (!report.violations.empty()) {
    std::map<GroupKey, std::vector<const StateViolation*>> groups;
    std::vector<GroupKey> order;
    for (const auto& sv : report.violations) {
      GroupKey key{sv.violation.checker, sv.violation.path, sv.violation.grade, sv.violation.reason};
      auto& members = groups[key];
      if (members.empty()) order.push_back(key);
      members.push_back(&sv);
    }
    fmt::print(out, "\n{} violation(s) in {} group(s){}:\n", report.total_violations, groups.size(),
               report.violations.size() < report.total_violations
                   ? fmt::format(" ({} listed)", report.violations.size())
                   : "");
    std::size_t shown = 0;
    for (const auto& key : order) {
      if (shown++ == max_groups) {
        fmt::print(out, "  ... {} more group(s): see --report-json\n", order.size() - max_groups);
        break;
      }
      const auto& members = groups[key];
      const StateViolation& first = *members.front();
      fmt::print(out, "\n  [{}] {} @{}: {} ({})\n", first.violation.checker, first.violation.path,
                 first.violation.offset, first.violation.reason, first.violation.grade);
      fmt::print(out, "    in {} state(s), e.g. {} ({})\n", members.size(), first.state_id, first.state_description);
      for (Seq seq : first.violation.ops) fmt::print(out, "    op {}\n", describe_seq(explorer, seq));
      fmt::print(out, "    reproduce: crashfs replay {} --state '{}' --out DIR\n", info.trace_path, first.state_id);
    }
  }
  for (const auto& e : report.harness_errors) fmt::print(out, "harness error: {}\n", e);
  fmt::print(out, "\n");
}

}  // namespace crashfs::cli
