// crashfs run  [record options] [check options] -- CMD [ARGS...]
// crashfs check TRACE [check options]
//
// `run` records CMD (as `crashfs record` does), then explores the crash
// states of its trace under the models and checks each with the checkers.
// `check` does the second half on a trace recorded earlier.
//
// Exit codes: 0 no violation, 1 a violation, 2 usage or environment error,
// 3 harness error (damaged trace, a checker that failed or timed out),
// 4 inconclusive (nothing violated, but something was not really checked:
// no state, a checker that matched no file, a model the cap cut down).  The
// workload's own exit status is reported, not propagated: workloads that
// abort on purpose (the journal incident) are normal.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "analysis/check_runner.h"
#include "analysis/explain.h"
#include "checkers/checker_spec.h"
#include "checkers/command_checker.h"
#include "checkers/sqlite_checker.h"
#include "cli/commands.h"
#include "cli/explore_args.h"
#include "host/directory_base_content.h"
#include "core/acknowledgements.h"
#include "core/content_hash.h"
#include "core/trace_history.h"
#include "host/exit_codes.h"
#include "host/record_session.h"
#include "host/state_command_runner.h"
#include "host/trace_file.h"
#include "report/report.h"
#include "report/report_html.h"
#include "report/report_junit.h"

namespace crashfs::cli {
namespace {

struct CheckArgs {
  std::vector<std::string> checkers;
  std::vector<std::string> acks;
  ExploreArgs explore;
  std::string report_json;
  std::string junit;
  std::string html;
  std::string base_dir;
  std::uint64_t keep = 1000;
  unsigned cmd_timeout = 60;
  bool no_explain = false;
  std::size_t max_fsync_checks = 64;
  unsigned jobs = 0;  // 0: the number of CPUs
  bool quiet = false;
};

struct RunArgs {
  RecordOptions record;
  CheckArgs check;
};

const std::vector<ModelKind> kDefaultModels = {ModelKind::kProcessKill, ModelKind::kPosix};

void add_check_args(CLI::App* cmd, CheckArgs& args) {
  cmd->add_option("--checker", args.checkers,
                  "NAME[:ARG][@GLOB], repeatable: pyc[@GLOB], journal:FORMAT@GLOB, atomic@GLOB, sqlite[@GLOB], "
                  "cmd:COMMAND, dump:COMMAND (at least one)")
      ->allow_extra_args(false);
  cmd->add_option("--ack", args.acks,
                  "REGEX, repeatable: every line the workload printed (stdout or stderr) and every mark label that "
                  "matches is an acknowledgement: from there on, what the checkers read must not be older "
                  "(ECMAScript syntax, matched anywhere in the line)")
      ->allow_extra_args(false);
  add_explore_args(cmd, args.explore, "process-kill and posix");
  cmd->add_option("--report-json", args.report_json, "Write the machine-readable report to FILE");
  cmd->add_option("--junit", args.junit, "Write a JUnit XML report to FILE (one test case per model x checker)");
  cmd->add_option("--html", args.html,
                  "Write a self-contained HTML page to FILE: summary, explained groups, trace timeline, bytes");
  cmd->add_option("--base", args.base_dir,
                  "Final tree to read unchanged pre-existing files from (default: the recorded directory)");
  cmd->add_option("--keep", args.keep, "Violations kept in the report per model x checker (default 1000)");
  cmd->add_option("--cmd-timeout", args.cmd_timeout, "Seconds a cmd: checker may run per state (default 60)");
  cmd->add_flag("--no-explain", args.no_explain,
                "Skip the explain step (causes, verified fixes, unneeded fsyncs): it re-explores the trace");
  cmd->add_option("--max-fsync-checks", args.max_fsync_checks,
                  "Recorded fsyncs to test for need, each by one re-exploration (default 64)");
  cmd->add_option("--jobs,-j", args.jobs,
                  "States checked at once (default: the number of CPUs): the in-process checkers run on this many "
                  "threads, cmd: and dump: run this many commands in parallel; the report is the same for every value")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_flag("--quiet,-q", args.quiet, "No progress lines on stderr");
}

// Progress on stderr: on a terminal one line rewritten in place; otherwise
// (a log, CI) a line every few seconds.  States checked, states/s, and the
// ETA of the current model from the share of its crash points done.
class Progress {
 public:
  explicit Progress(bool quiet) : quiet_(quiet), tty_(isatty(2) == 1), start_(Clock::now()), last_(start_) {}
  void update(const CheckProgress& p) {
    if (quiet_) return;
    const auto now = Clock::now();
    if (p.model != model_ || !started_) {
      if (started_ && tty_) fmt::print(stderr, "\n");
      started_ = true;
      model_ = p.model;
      model_start_ = now;
    }
    const bool done = p.points_done == p.points_total;
    if (now - last_ < (tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000)) && !(tty_ && done)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double model_secs = std::chrono::duration<double>(now - model_start_).count();
    const double rate = secs > 0 ? static_cast<double>(p.checked) / secs : 0;
    const double left = p.points_done > 0 ? model_secs * static_cast<double>(p.points_total - p.points_done) / p.points_done : 0;
    fmt::print(stderr, "{}  {:<13} {}/{} crash points, {} states checked, {:.0f} states/s, ETA {:.0f} s{}",
               tty_ ? "\r" : "", to_string(p.model), p.points_done, p.points_total, p.checked, rate, left,
               tty_ ? "   " : "\n");
    if (tty_ && done) fmt::print(stderr, "\n");
    if (tty_ && done) started_ = false;
  }
  void end() {
    if (!quiet_ && tty_ && started_) fmt::print(stderr, "\n");
    started_ = false;
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool quiet_;
  bool tty_;
  bool started_ = false;
  ModelKind model_ = ModelKind::kPosix;
  Clock::time_point start_, last_, model_start_;
};

// The options that decide which states are checked and how they are
// judged: shard reports are merged only when these agree.
nlohmann::json report_options(const CheckArgs& args, const ExploreOptions& explore) {
  std::vector<std::string> models;
  for (ModelKind m : explore.models) models.emplace_back(to_string(m));
  return {{"models", models},
          {"sector", explore.sector},
          {"max_states", explore.max_states},
          {"seed", explore.seed},
          {"window", explore.window},
          {"samples", explore.samples},
          {"from_mark", args.explore.from_mark},
          {"to_mark", args.explore.to_mark},
          {"checkers", args.checkers},
          {"ack", args.acks},
          {"keep", args.keep},
          {"explain", !args.no_explain},
          {"max_fsync_checks", args.max_fsync_checks}};
}

int analyze(const std::string& trace_path, const CheckArgs& args, RunInfo info, const char* who) {
  std::vector<CheckerSpec> specs;
  if (Status st = parse_checker_specs(args.checkers, specs); !st) {
    fmt::print(stderr, "{}: {}\n", who, st.message());
    return kExitUsage;
  }
  ExploreOptions explore;
  if (Status st = to_explore_options(args.explore, kDefaultModels, explore); !st) {
    fmt::print(stderr, "{}: {}\n", who, st.message());
    return kExitUsage;
  }
  TraceFile file;
  if (Status st = file.open(trace_path); !st) {
    fmt::print(stderr, "{}: {}\n", who, st.message());
    return TraceFile::exit_code_for(st);
  }
  if (Status st = apply_mark_range(args.explore, file.trace(), explore); !st) {
    fmt::print(stderr, "{}: {}\n", who, st.message());
    return kExitUsage;
  }
  std::unique_ptr<DirectoryBaseContent> base;
  if (Status st = open_state_base(file.trace().recorded_dir(), args.base_dir, base); !st) {
    fmt::print(stderr, "{}: {}\n", who, st.message());
    return kExitUsage;
  }
  if (!base)
    spdlog::warn("{}: no final tree at '{}': unchanged pre-existing files read as empty (pass --base DIR)", who,
                 file.trace().recorded_dir());
  Explorer explorer(file.trace(), base.get());

  // What the program acknowledged: output lines and marks matching --ack.
  std::vector<Acknowledgement> acks;
  for (const std::string& pattern : args.acks) {
    if (Status st = collect_acknowledgements(file.trace(), pattern, acks); !st) {
      fmt::print(stderr, "{}: {}\n", who, st.message());
      return kExitUsage;
    }
  }
  info.acknowledgements = acks.size();
  info.ack_patterns = args.acks;
  info.trace_digest = hash_bytes(file.bytes()).hex();
  info.options = report_options(args, explore);
  if (explore.shards > 1) info.shard = fmt::format("{}/{}", explore.shard + 1, explore.shards);
  TraceHistory history(explorer, std::move(acks));

  const unsigned jobs = args.jobs > 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  host::ReplayingCommandRunner command_runner(explorer, base ? base->fd() : -1);  // outlives the checkers below
  command_runner.set_slots(jobs);
  CheckerServices services;
  services.recorded_dir = file.trace().recorded_dir();
  services.commands = &command_runner;
  services.command_timeout = std::chrono::seconds(args.cmd_timeout);
  std::vector<std::unique_ptr<Checker>> owned;
  for (const CheckerSpec& spec : specs) {
    std::unique_ptr<Checker> checker;
    if (Status st = make_checker(spec, services, checker); !st) {
      fmt::print(stderr, "{}: {}\n", who, st.message());
      return kExitUsage;
    }
    info.checkers.push_back(spec.text);
    owned.push_back(std::move(checker));
  }
  std::vector<Checker*> checkers;
  for (auto& c : owned) checkers.push_back(c.get());
  // An instance of every in-process checker per checking thread past the
  // first (--jobs N: N checking threads, check_runner.h); cmd: and dump:
  // run their commands in parallel themselves.
  std::vector<std::vector<Checker*>> replicas;
  for (unsigned w = 1; w < jobs; ++w) {
    std::vector<Checker*> row;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      std::unique_ptr<Checker> replica;
      if (!owned[i]->runs_commands() && make_checker(specs[i], services, replica).is_ok()) {
        row.push_back(replica.get());
        owned.push_back(std::move(replica));
      } else {
        row.push_back(nullptr);
      }
    }
    replicas.push_back(std::move(row));
  }

  const auto started = std::chrono::steady_clock::now();
  Progress progress(args.quiet);
  CheckOptions options;
  options.explore = explore;
  options.progress = [&](const CheckProgress& p) { progress.update(p); };
  options.jobs = jobs;
  options.replicas = replicas;
  options.keep_per_cell = args.keep;
  options.history = &history;
  info.trace_path = trace_path;
  const CheckReport report = run_checks(explorer, checkers, options);
  progress.end();

  Explanation explanation;
  if (!args.no_explain && report.harness_errors.empty()) {
    ExplainOptions explain_options;
    explain_options.check = options;
    explain_options.check.explore.progress = nullptr;
    explain_options.check.progress = nullptr;
    explain_options.max_fsync_checks = args.max_fsync_checks;
    if (isatty(2) == 1 && !args.quiet)
      explain_options.progress = [](const std::string& line) { fmt::print(stderr, "\r\033[K  explain: {}", line); };
    explanation = explain(explorer, base.get(), checkers, report, explain_options);
    if (isatty(2) == 1) fmt::print(stderr, "\r\033[K");
  }

  print_summary(stdout, info, report, explanation);
  std::fflush(stdout);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto write_report = [&](const std::string& path, const std::string& text) {
    if (path.empty()) return true;
    std::ofstream out(path, std::ios::binary);
    out << text;
    out.close();
    if (!out) fmt::print(stderr, "{}: cannot write the report to {}\n", who, path);
    return static_cast<bool>(out);
  };
  bool written = write_report(args.report_json, report_json(info, report, explanation, explorer).dump(2) + "\n");
  written = write_report(args.junit, args.junit.empty() ? "" : render_junit(info, report, explanation, seconds)) && written;
  written = write_report(args.html, args.html.empty() ? "" : render_html(info, report, explanation, explorer)) && written;
  if (!written) return kExitUsage;
  if (!explorer.base_status().is_ok())
    spdlog::warn("{}: reading the final tree: {}", who, explorer.base_status().message());
  if (!report.harness_errors.empty()) return kExitHarness;
  if (!report.clean()) return kExitViolation;
  return report.inconclusive.empty() ? kExitOk : kExitInconclusive;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Record CMD, explore the states a crash could leave, and check every one.\n"
      "Exits 0 when no violation was found, 1 when one was, 2 on usage or environment errors, 3 on harness errors, "
      "4 when inconclusive (nothing was really checked: no state, a checker's glob matched no file, a model cut "
      "down by --max-states).");
  cmd->add_option("--dir", args->record.dir, "Directory to record (mounted over; the command runs there)")
      ->capture_default_str();
  cmd->add_option("--trace", args->record.trace, "Trace file to write (kept, for `crashfs replay` and `check`)")
      ->capture_default_str();
  cmd->add_flag("--real-fsync", args->record.real_fsync, "Also perform fsyncs on disk while recording");
  add_check_args(cmd, args->check);
  cmd->add_option("command", args->record.command, "The workload: -- CMD [ARGS...]")->required()->expected(-1);
  cmd->callback([args, &exit_code] {
    if (args->check.checkers.empty()) {
      fmt::print(stderr, "crashfs run: name at least one --checker (e.g. --checker pyc)\n");
      exit_code = kExitUsage;
      return;
    }
    std::vector<CheckerSpec> specs;  // validate before spending a recording
    if (Status st = parse_checker_specs(args->check.checkers, specs); !st) {
      fmt::print(stderr, "crashfs run: {}\n", st.message());
      exit_code = kExitUsage;
      return;
    }
    for (const std::string& pattern : args->check.acks) {
      if (Status st = validate_ack_pattern(pattern); !st) {
        fmt::print(stderr, "crashfs run: {}\n", st.message());
        exit_code = kExitUsage;
        return;
      }
    }
    args->record.log_prefix = "crashfs run";
    const RecordResult recorded = record_workload(args->record);
    if (recorded.error != kExitOk) {
      exit_code = recorded.error;
      return;
    }
    RunInfo info;
    info.command = args->record.command;
    info.command_exit = recorded.command_status;
    if (recorded.command_status != 0)
      fmt::print(stderr, "crashfs run: note: the workload exited {}; its trace is checked all the same\n",
                 recorded.command_status);
    exit_code = analyze(args->record.trace, args->check, info, "crashfs run");
  });
}

void add_check_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CheckArgs>();
  auto trace = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("check",
                                     "Explore and check the crash states of a trace recorded earlier (the second half "
                                     "of `crashfs run`). Exit codes as for run.");
  cmd->add_option("trace", *trace, "Trace file written by `crashfs record` or `crashfs run`")->required();
  add_check_args(cmd, *args);
  cmd->callback([args, trace, &exit_code] {
    if (args->checkers.empty()) {
      fmt::print(stderr, "crashfs check: name at least one --checker (e.g. --checker pyc)\n");
      exit_code = kExitUsage;
      return;
    }
    exit_code = analyze(*trace, *args, RunInfo{}, "crashfs check");
  });
}

}  // namespace crashfs::cli
