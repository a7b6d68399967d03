// crashfs explore TRACE [--model M]... [--sector N] [--max-states N]
//   [--seed S] [--shard K/N] [--window N] [--samples N] [--list] [--json]:
// enumerates the crash states of a trace and summarizes them.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/explore_args.h"
#include "core/explorer.h"
#include "host/exit_codes.h"
#include "host/trace_file.h"

namespace crashfs::cli {
namespace {

struct ExploreCommandArgs {
  std::string trace;
  ExploreArgs explore;
  bool list = false;
  bool json = false;
};

nlohmann::json summary_json(const ModelSummary& m, const ExploreOptions& o) {
  return {{"model", std::string(to_string(m.model))},
          {"crash_points", m.crash_points},
          {"exhaustive_points", m.exhaustive_points},
          {"bounded_points", m.bounded_points},
          {"capped_points", m.capped_points},
          {"per_point_cap", m.per_point_cap},
          {"planned", m.planned},
          {"generated", m.generated},
          {"distinct", m.distinct},
          {"in_shard", m.emitted},
          {"exhaustive_limit", o.exhaustive_limit},
          {"window", o.window},
          {"samples", o.samples},
          {"sector", m.model == ModelKind::kPosix ? o.sector : kDefaultSector},
          {"seed", o.seed},
          {"max_states", o.max_states},
          {"shard", fmt::format("{}/{}", o.shard + 1, o.shards)}};
}

void print_summary(const ExploreSummary& summary, const ExploreOptions& o, const Trace& trace, double seconds) {
  fmt::print("{} operations ({} records); exploring took {:.2f} s\n", trace.ops().size(), trace.records().size(),
             seconds);
  fmt::print("{:<13} {:>12} {:>11} {:>9} {:>11} {:>11} {:>11}\n", "model", "crash points", "exhaustive", "bounded",
             "generated", "distinct", o.shards > 1 ? "in shard" : "");
  for (const ModelSummary& m : summary.models) {
    fmt::print("{:<13} {:>12} {:>11} {:>9} {:>11} {:>11} {:>11}\n", to_string(m.model), m.crash_points,
               m.exhaustive_points, m.bounded_points, m.generated, m.distinct,
               o.shards > 1 ? fmt::format("{}", m.emitted) : "");
  }
  fmt::print(
      "exhaustive where a crash point allows at most {} states; elsewhere bounded passes over the last {} unsynced "
      "operations plus {} random states per point (seed {})\n",
      o.exhaustive_limit, o.window, o.samples, o.seed);
  for (const ModelSummary& m : summary.models) {
    if (m.per_point_cap == 0) continue;
    fmt::print(
        "{}: --max-states {} reached ({} states planned): every crash point limited to {} states, {} points lost "
        "states (raise --max-states to see them)\n",
        to_string(m.model), o.max_states, m.planned, m.per_point_cap, m.capped_points);
  }
  if (o.shards > 1) fmt::print("shard {}/{}: handing on the distinct states whose key falls in it\n", o.shard + 1, o.shards);
}

int run_explore(const ExploreCommandArgs& args) {
  ExploreOptions options;
  if (Status st = to_explore_options(args.explore, {ModelKind::kPosix}, options); !st) {
    fmt::print(stderr, "crashfs explore: {}\n", st.message());
    return kExitUsage;
  }

  TraceFile file;
  if (Status st = file.open(args.trace); !st) {
    fmt::print(stderr, "crashfs explore: {}\n", st.message());
    return TraceFile::exit_code_for(st);
  }
  const Trace& trace = file.trace();
  if (Status st = apply_mark_range(args.explore, trace, options); !st) {
    fmt::print(stderr, "crashfs explore: {}\n", st.message());
    return kExitUsage;
  }
  if (trace.torn_tail_bytes() > 0) {
    fmt::print(stderr, "crashfs explore: {}: torn final record ({} bytes) ignored: the recorder was stopped mid-append\n",
               args.trace, trace.torn_tail_bytes());
  }
  if (trace.ops().empty()) {
    fmt::print(stderr, "crashfs explore: {}: the trace holds no operations, so there is nothing to explore\n",
               args.trace);
  }

  const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (tty) {
    options.progress = [](const ExploreProgress& p) {
      fmt::print(stderr, "\r\033[Kexplore {}: {}/{} crash points, {} states ({} distinct)", to_string(p.model),
                 p.points_done, p.points_total, p.generated, p.distinct);
      if (p.points_done == p.points_total) fmt::print(stderr, "\r\033[K");
      std::fflush(stderr);
    };
  }

  Explorer explorer(trace, nullptr);
  std::string line;
  const auto start = std::chrono::steady_clock::now();
  const ExploreSummary summary = explorer.explore(options, [&](const ExploredState& s) {
    if (!args.list) return;
    if (args.json) {
      const nlohmann::json j = {{"id", s.id()},
                                {"model", std::string(to_string(s.model()))},
                                {"crash_point", s.point_id().to_string()},
                                {"exhaustive", s.exhaustive_point()},
                                {"description", s.description()}};
      line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      line = fmt::format("{}\t{}", s.id(), s.description());
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (args.json) {
    nlohmann::json models = nlohmann::json::array();
    for (const ModelSummary& m : summary.models) models.push_back(summary_json(m, options));
    const nlohmann::json j = {{"summary", {{"trace", args.trace},
                                           {"operations", trace.ops().size()},
                                           {"seconds", seconds},
                                           {"models", models}}}};
    fmt::print("{}\n", j.dump());
  } else {
    print_summary(summary, options, trace, seconds);
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

void add_explore_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ExploreCommandArgs>();
  CLI::App* cmd = app.add_subcommand("explore", "Enumerate the crash states of a trace under persistence models");
  cmd->add_option("trace", args->trace, "Trace file written by `crashfs record`")->required();
  add_explore_args(cmd, args->explore, "posix");
  cmd->add_flag("--list", args->list, "Print every distinct state: id, then what it lost");
  cmd->add_flag("--json", args->json, "JSON lines (states with --list) and a JSON summary");
  cmd->callback([args, &exit_code] { exit_code = run_explore(*args); });
}

}  // namespace crashfs::cli
