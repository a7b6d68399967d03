#include "report/report_junit.h"

#include <algorithm>

#include <fmt/format.h>

#include "report/report_html_escape.h"

namespace crashfs {
namespace {

std::string replay_command(const RunInfo& info, const std::string& state) {
  return fmt::format("crashfs replay {} --state {} --out DIR", shell_quote(info.trace_path), shell_quote(state));
}

std::string join_models(const std::vector<ModelKind>& models) {
  std::string out;
  for (ModelKind m : models) {
    if (!out.empty()) out += ", ";
    out += to_string(m);
  }
  return out;
}

std::string group_text(const RunInfo& info, const ViolationGroup& g) {
  std::string out = fmt::format("[{}] {}: {}", to_string(g.kind), g.path, g.reason);
  if (!g.grade.empty()) out += fmt::format(" ({})", g.grade);
  out += fmt::format("\n  {} violation(s) in {} state(s) under {}\n", g.violations, g.states, join_models(g.models));
  if (!g.explanation.empty()) out += "  " + g.explanation + "\n";
  if (!g.ops.empty()) {
    out += "  operations:\n";
    for (const OpDescription& op : g.ops)
      out += op.role.empty() ? fmt::format("    {}\n", op.text) : fmt::format("    {} ({})\n", op.text, op.role);
  }
  if (g.fix) {
    out += fmt::format("  fix ({}): {}; removes {} violation(s), {} left\n", g.fix->verified ? "verified" : "NOT verified",
                       g.fix->text, g.fix->violations_removed, g.fix->violations_after);
  } else if (!g.no_fix_reason.empty()) {
    out += fmt::format("  no fix proposed: {}\n", g.no_fix_reason);
  }
  if (!g.example_state.empty()) out += fmt::format("  reproduce: {}\n", replay_command(info, g.example_state));
  return out;
}

// The failure text of one cell: its explained groups, else its listed violations.
std::string cell_text(const RunInfo& info, const CheckReport& report, const Explanation& explanation, ModelKind model,
                      const std::string& checker) {
  std::string out;
  for (const ViolationGroup& g : explanation.groups) {
    if (g.checker != checker || std::find(g.models.begin(), g.models.end(), model) == g.models.end()) continue;
    out += group_text(info, g) + "\n";
  }
  if (!out.empty()) return out;
  constexpr std::size_t kMaxListed = 10;
  std::size_t listed = 0, more = 0;
  for (const StateViolation& sv : report.violations) {
    if (sv.model != model || sv.violation.checker != checker) continue;
    if (listed == kMaxListed) {
      ++more;
      continue;
    }
    ++listed;
    out += fmt::format("{} @{}: {} ({})\n  state {}: {}\n  reproduce: {}\n\n", sv.violation.path, sv.violation.offset,
                       sv.violation.reason, sv.violation.grade, sv.state_id, sv.state_description,
                       replay_command(info, sv.state_id));
  }
  if (more) out += fmt::format("... {} more listed violation(s): see the JSON report\n", more);
  return out;
}

}  // namespace

std::string render_junit(const RunInfo& info, const CheckReport& report, const Explanation& explanation,
                         double elapsed_seconds) {
  std::size_t failures = 0;
  // An inconclusive cell fails too: CI must never read "nothing checked" as a pass.
  for (const auto& [cell, verdict] : report.cells) failures += verdict.violations || !verdict.inconclusive.empty() ? 1 : 0;
  const std::size_t errors = report.harness_errors.empty() ? 0 : 1;
  const std::size_t tests = report.cells.size() + errors;
  const std::string time = fmt::format("{:.3f}", elapsed_seconds);

  std::string command;
  for (const auto& arg : info.command) command += (command.empty() ? "" : " ") + shell_quote(arg);
  std::string checkers;
  for (const auto& c : info.checkers) checkers += (checkers.empty() ? "" : " ") + c;

  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += fmt::format("<testsuites name=\"crashfs\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">\n", tests,
                   failures, errors, time);
  x += fmt::format("  <testsuite name=\"crashfs\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{}\">\n",
                   tests, failures, errors, time);
  x += "    <properties>\n";
  const auto property = [&](std::string_view name, std::string_view value) {
    x += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", name, markup_text(value));
  };
  property("trace", info.trace_path);
  property("command", command);
  property("command_exit", std::to_string(info.command_exit));
  property("checkers", checkers);
  property("violations", std::to_string(report.total_violations));
  x += "    </properties>\n";

  for (const auto& [cell, verdict] : report.cells) {
    const auto& [model, checker] = cell;
    x += fmt::format("    <testcase classname=\"crashfs.{}\" name=\"{}\" time=\"0\">\n", markup_text(to_string(model)),
                     markup_text(checker));
    if (verdict.violations) {
      x += fmt::format("      <failure message=\"{} violations in {} states\" type=\"crashfs.violation\">",
                       verdict.violations, verdict.violating_states);
      x += markup_text(cell_text(info, report, explanation, model, checker));
      x += "</failure>\n";
    } else if (!verdict.inconclusive.empty()) {
      x += fmt::format("      <failure message=\"inconclusive: {}\" type=\"crashfs.inconclusive\">{}</failure>\n",
                       markup_text(verdict.inconclusive), markup_text(verdict.inconclusive));
    }
    x += fmt::format("      <system-out>{} states checked, {} violating</system-out>\n", verdict.states_checked,
                     verdict.violating_states);
    x += "    </testcase>\n";
  }
  if (errors) {
    std::string text;
    for (const auto& e : report.harness_errors) text += e + "\n";
    x += "    <testcase classname=\"crashfs\" name=\"harness\" time=\"0\">\n";
    x += fmt::format("      <error message=\"{} harness error(s): a checker failed, not the program\" "
                     "type=\"crashfs.harness\">{}</error>\n",
                     report.harness_errors.size(), markup_text(text));
    x += "    </testcase>\n";
  }
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

}  // namespace crashfs
