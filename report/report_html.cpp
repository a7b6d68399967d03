#include "report/report_html.h"

#include <algorithm>

#include <fmt/format.h>

#include "report/report_html_assets.h"
#include "report/report_html_escape.h"
#include "report/report_html_parts.h"

namespace crashfs {
namespace {

std::string header(const RunInfo& info, const CheckReport& report) {
  std::string command;
  for (const auto& arg : info.command) command += (command.empty() ? "" : " ") + shell_quote(arg);
  std::string checkers;
  for (const auto& c : info.checkers) checkers += (checkers.empty() ? "" : ", ") + c;
  const std::string_view verdict = run_verdict(report);
  const bool clean = verdict == "clean";
  const std::string badge = verdict == "violation"      ? fmt::format("{} violations", report.total_violations)
                            : verdict == "inconclusive" ? std::string("inconclusive")
                            : verdict == "harness-error" ? std::string("harness error")
                                                         : std::string("clean");
  std::string out = fmt::format("<header><h1>crashfs report <span class=\"badge {}\">{}</span></h1>\n",
                                clean ? "clean" : "violation", badge);
  if (!report.inconclusive.empty())
    out += fmt::format("<p class=\"meta\">inconclusive: {}</p>\n", markup_text(verdict_line(report)));
  out += fmt::format("<p class=\"meta\">trace <code>{}</code></p>\n", markup_text(info.trace_path));
  if (!command.empty())
    out += fmt::format("<p class=\"meta\">command <code>{}</code> (exit {})</p>\n", markup_text(command),
                       info.command_exit);
  if (!checkers.empty()) out += fmt::format("<p class=\"meta\">checkers <code>{}</code></p>\n", markup_text(checkers));
  return out + "</header>\n";
}

std::string summary_section(const CheckReport& report) {
  std::string out = "<section id=\"summary\"><h2>Summary</h2>\n<table id=\"summary-table\"><thead><tr><th>model</th>"
                    "<th>checker</th><th>states checked</th><th>violating states</th><th>violations</th>"
                    "<th>verdict</th></tr></thead><tbody>\n";
  for (const auto& [cell, v] : report.cells) {
    // An inconclusive cell is shown as a failure: nothing was really checked.
    const bool bad = v.violations != 0 || !v.inconclusive.empty();
    const char* word = v.violations != 0 ? "violation" : !v.inconclusive.empty() ? "inconclusive" : "clean";
    out += fmt::format("<tr class=\"cell {}\"><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{}</td><td><span class=\"badge {}\">{}</span></td></tr>\n",
                       bad ? "violation" : "clean", to_string(cell.first), markup_text(cell.second), v.states_checked,
                       v.violating_states, v.violations, bad ? "violation" : "clean", word);
  }
  out += "</tbody></table>\n<h3 class=\"sub\">Exploration</h3>\n<table class=\"explore\"><thead><tr><th>model</th><th>crash points</th><th>exploration</th>"
         "<th>states generated</th><th>distinct</th><th>checked</th></tr></thead><tbody>\n";
  for (const ModelSummary& m : report.summary.models) {
    std::string how = m.bounded_points == 0
                          ? "exhaustive"
                          : fmt::format("{} exhaustive, {} bounded", m.exhaustive_points, m.bounded_points);
    if (m.capped_points) how += fmt::format(", {} capped by --max-states", m.capped_points);
    const auto it = report.states_checked.find(m.model);
    out += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                       to_string(m.model), m.crash_points, how, m.generated, m.distinct,
                       it == report.states_checked.end() ? 0 : it->second);
  }
  out += "</tbody></table>\n";
  for (const auto& e : report.harness_errors)
    out += fmt::format("<p class=\"error\">harness error (a checker failed, not the program): {}</p>\n", markup_text(e));
  return out + "</section>\n";
}

std::string op_link(const OpDescription& op) {
  return fmt::format("<a href=\"#op-{}\">{}</a>", op.seq, markup_text(op.text));
}

std::string group_article(const RunInfo& info, const ViolationGroup& g, std::size_t index,
                          const std::vector<ByteCase>& cases) {
  std::string models;
  for (ModelKind m : g.models) models += (models.empty() ? "" : ", ") + std::string(to_string(m));
  std::string out = fmt::format("<article class=\"group\" id=\"group-{}\"><h3><span class=\"kind kind-{}\">{}</span>"
                                "{}. [{}] {}</h3>\n",
                                index + 1, to_string(g.kind), to_string(g.kind), index + 1, markup_text(g.checker),
                                markup_text(g.path));
  out += fmt::format("<p class=\"reason\">{}{}</p>\n", markup_text(g.reason),
                     g.grade.empty() ? "" : fmt::format(" <em>({})</em>", markup_text(g.grade)));
  out += fmt::format("<p class=\"note\">{} violation(s) in {} state(s) under {}</p>\n", g.violations, g.states,
                     markup_text(models));
  if (!g.explanation.empty()) out += fmt::format("<p class=\"explanation\">{}</p>\n", markup_text(g.explanation));
  if (!g.ops.empty()) {
    out += "<table class=\"ops\"><tbody>\n";
    for (const OpDescription& op : g.ops)
      out += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", op_link(op), markup_text(op.role));
    out += "</tbody></table>\n";
  }
  if (g.fix) {
    out += fmt::format("<p class=\"fix {}\"><strong>Fix ({})</strong>: {} &mdash; removes {} violation(s), {} left</p>\n",
                       g.fix->verified ? "verified" : "unverified", g.fix->verified ? "verified" : "not verified",
                       markup_text(g.fix->text), g.fix->violations_removed, g.fix->violations_after);
  } else {
    out += fmt::format("<p class=\"fix none\">No fix proposed{}</p>\n",
                       g.no_fix_reason.empty() ? "" : ": " + markup_text(g.no_fix_reason));
  }
  if (!g.example_state.empty()) {
    out += fmt::format("<p class=\"replay\">reproduce: <code>crashfs replay {} --state {} --out DIR</code>",
                       markup_text(shell_quote(info.trace_path)), markup_text(shell_quote(g.example_state)));
    for (std::size_t c = 0; c < cases.size(); ++c)
      if (cases[c].group == static_cast<int>(index))
        out += fmt::format(" <button type=\"button\" data-show-case=\"{}\">show the bytes</button>", c);
    out += "</p>\n";
  }
  return out + "</article>\n";
}

// Violations the explain step did not group (it did not run, or was capped).
std::string listed_violations(const RunInfo& info, const CheckReport& report, const std::vector<ByteCase>& cases) {
  std::string out = "<table class=\"violations\"><thead><tr><th>checker</th><th>path</th><th>offset</th><th>reason</th>"
                    "<th>state</th></tr></thead><tbody>\n";
  for (std::size_t c = 0; c < cases.size(); ++c) {
    const ByteCase& bc = cases[c];
    out += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td><code>{}</code> "
                       "<button type=\"button\" data-show-case=\"{}\">show the bytes</button></td></tr>\n",
                       markup_text(bc.checker), markup_text(bc.path), bc.offset.value_or(0), markup_text(bc.reason),
                       markup_text(bc.state_id), c);
  }
  return out + "</tbody></table>\n";
}

std::string groups_section(const RunInfo& info, const CheckReport& report, const Explanation& explanation,
                           const std::vector<ByteCase>& cases) {
  std::string out = fmt::format("<section id=\"groups\"><h2>Violations: {} in {} group(s)</h2>\n",
                                report.total_violations, explanation.groups.size());
  if (report.total_violations == 0) {
    out += "<p class=\"note\">Every checked state passed every checker.</p>\n";
  } else if (explanation.groups.empty()) {
    out += "<p class=\"note\">The violations were not explained (no groups); one per distinct checker, path and "
           "reason:</p>\n" + listed_violations(info, report, cases);
  }
  for (std::size_t g = 0; g < explanation.groups.size(); ++g) out += group_article(info, explanation.groups[g], g, cases);

  out += "<h2 id=\"fsyncs\">Recorded fsyncs</h2>\n";
  if (!explanation.fsyncs_analyzed) {
    out += fmt::format("<p class=\"note\">Not analyzed{}</p>\n", explanation.fsyncs_skipped_reason.empty()
                                                                   ? "."
                                                                   : ": " + markup_text(explanation.fsyncs_skipped_reason));
  } else if (explanation.durability.empty()) {
    out += "<p class=\"note\">The program made no fsync, fdatasync or directory fsync.</p>\n";
  } else {
    out += "<table class=\"fsyncs\"><thead><tr><th>operation</th><th>verdict</th></tr></thead><tbody>\n";
    for (const DurabilityVerdict& d : explanation.durability) {
      out += fmt::format("<tr class=\"fsync\"><td><a href=\"#op-{}\">{}</a></td><td class=\"{}\">{}</td></tr>\n", d.seq,
                         markup_text(d.op), d.needed ? "needed" : "unneeded",
                         d.needed ? "needed" + (d.needed_by.empty() ? "" : " by " + markup_text(d.needed_by))
                                  : std::string("not needed for these checkers"));
    }
    out += "</tbody></table>\n";
  }
  return out + "</section>\n";
}

}  // namespace

std::string render_html(const RunInfo& info, const CheckReport& report, const Explanation& explanation,
                        Explorer& explorer, std::size_t max_timeline_ops) {
  const std::vector<ByteCase> cases = choose_byte_cases(report, explanation, kMaxByteCases);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  out += fmt::format("<title>crashfs report: {}</title>\n", markup_text(info.trace_path));
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // No external resource may load, even if a name in the page looks like a URL.
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "script-src 'unsafe-inline'\">\n";
  out += fmt::format("<style>{}</style></head><body>\n", kReportCss);
  out += header(info, report);
  out += summary_section(report);
  out += groups_section(info, report, explanation, cases);
  out += render_bytes_section(cases, explorer);
  out += render_timeline_section(report, explanation, explorer, max_timeline_ops);
  out += fmt::format("<script>{}</script>\n</body></html>\n", kReportJs);
  return out;
}

}  // namespace crashfs
