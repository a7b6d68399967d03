// crashfs merge REPORT.json... --report-json OUT [--junit F] [--html F] [--trace T] [--base DIR]
//
// Combines the JSON reports of the `--shard K/N` runs of one trace into the
// report an unsharded run gives (report/report_merge.h has the rules), and
// renders JUnit and HTML from it with the code `run` uses.  The HTML report
// draws the trace's timeline and bytes, so it needs the trace: the one the
// reports name, or --trace (its digest must match).  Exit codes as for
// `run`, from the merged verdict (2 when the reports cannot be merged).
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "core/content_hash.h"
#include "host/directory_base_content.h"
#include "host/exit_codes.h"
#include "host/trace_file.h"
#include "report/report_html.h"
#include "report/report_junit.h"
#include "report/report_merge.h"
#include "report/report_parse.h"

namespace crashfs::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string report_json;
  std::string junit;
  std::string html;
  std::string trace;
  std::string base;
};

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) fmt::print(stderr, "crashfs merge: cannot write {}\n", path);
  return static_cast<bool>(out);
}

int render_html_report(const MergeArgs& args, const RunInfo& info, const CheckReport& report,
                       const Explanation& explanation) {
  const std::string trace_path = args.trace.empty() ? info.trace_path : args.trace;
  TraceFile file;
  if (Status st = file.open(trace_path); !st) {
    fmt::print(stderr, "crashfs merge: --html draws the trace, and {} (pass --trace FILE)\n", st.message());
    return kExitUsage;
  }
  if (hash_bytes(file.bytes()).hex() != info.trace_digest) {
    fmt::print(stderr, "crashfs merge: {} is not the trace the reports were made of (digest differs): pass the right "
               "--trace\n", trace_path);
    return kExitUsage;
  }
  std::unique_ptr<DirectoryBaseContent> base;
  if (Status st = open_state_base(file.trace().recorded_dir(), args.base, base); !st) {
    fmt::print(stderr, "crashfs merge: {}\n", st.message());
    return kExitUsage;
  }
  Explorer explorer(file.trace(), base.get());
  return write_text(args.html, render_html(info, report, explanation, explorer)) ? kExitOk : kExitUsage;
}

int run_merge(const MergeArgs& args) {
  std::vector<nlohmann::json> reports;
  for (const std::string& path : args.inputs) {
    std::ifstream in(path);
    if (!in) {
      fmt::print(stderr, "crashfs merge: cannot read {}\n", path);
      return kExitUsage;
    }
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      fmt::print(stderr, "crashfs merge: {} is not JSON (a report written by --report-json?)\n", path);
      return kExitUsage;
    }
    reports.push_back(std::move(j));
  }
  nlohmann::json merged;
  if (Status st = merge_reports(reports, args.inputs, merged); !st) {
    fmt::print(stderr, "crashfs merge: {}\n", st.message());
    return kExitUsage;
  }
  RunInfo info;
  CheckReport report;
  Explanation explanation;
  if (Status st = parse_report(merged, info, report, explanation); !st) {
    fmt::print(stderr, "crashfs merge: {}\n", st.message());
    return kExitHarness;
  }
  bool written = write_text(args.report_json, merged.dump(2) + "\n");
  if (!args.junit.empty()) written = write_text(args.junit, render_junit(info, report, explanation)) && written;
  if (!written) return kExitUsage;
  if (!args.html.empty()) {
    if (const int code = render_html_report(args, info, report, explanation); code != kExitOk) return code;
  }
  const std::string verdict = merged["verdict"];
  fmt::print("merged {} shard reports of {}: {} ({} violation(s), {} states checked)\n", reports.size(),
             info.trace_path, verdict, report.total_violations,
             merged["summary"]["states_checked"].get<std::uint64_t>());
  if (verdict == "violation") return kExitViolation;
  if (verdict == "harness-error") return kExitHarness;
  if (verdict == "inconclusive") return kExitInconclusive;
  return kExitOk;
}

}  // namespace

void add_merge_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<MergeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Combine the JSON reports of the --shard K/N runs of one trace into the report of an unsharded run\n"
      "(verdicts, counts, groups; fixes and fsync verdicts kept when the shards agree, else marked per shard).\n"
      "Refuses reports of different traces or options. Exit codes as for run.");
  cmd->add_option("reports", args->inputs, "The shards' --report-json files")->required()->expected(-1);
  cmd->add_option("--report-json", args->report_json, "Write the merged JSON report to FILE")->required();
  cmd->add_option("--junit", args->junit, "Also write a JUnit XML report to FILE");
  cmd->add_option("--html", args->html, "Also write the HTML report to FILE (needs the trace)");
  cmd->add_option("--trace", args->trace, "The trace, for --html (default: the path the reports name)");
  cmd->add_option("--base", args->base, "Final tree of the recorded directory, for --html (default: as in run)");
  cmd->callback([args, &exit_code] { exit_code = run_merge(*args); });
}

}  // namespace crashfs::cli
