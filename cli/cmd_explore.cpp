// crashfs explore TRACE [--model M]... [--sector N] [--max-states N]
//   [--seed S] [--shard K/N] [--window N] [--samples N] [--list] [--json]:
// enumerates the crash states of a trace and summarizes them.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/trace_file.h"
#include "core/explorer.h"

namespace crashfs::cli {
namespace {

struct ExploreArgs {
  std::string trace;
  std::vector<std::string> models;
  std::uint32_t sector = kDefaultSector;
  std::uint64_t max_states = kDefaultMaxStates;
  std::uint64_t seed = 0;
  std::string shard;
  std::uint32_t window = 8;
  std::uint32_t samples = 8;
  bool list = false;
  bool json = false;
};

std::string usage_error(std::string_view what) { return fmt::format("crashfs explore: {}", what); }

// Parses "K/N" (1 <= K <= N) into 0-based shard and count.
bool parse_shard(std::string_view text, std::uint32_t& shard, std::uint32_t& shards) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  std::uint32_t k = 0, n = 0;
  auto a = std::from_chars(text.data(), text.data() + slash, k);
  auto b = std::from_chars(text.data() + slash + 1, text.data() + text.size(), n);
  if (a.ec != std::errc() || a.ptr != text.data() + slash || b.ec != std::errc() ||
      b.ptr != text.data() + text.size() || k < 1 || n < 1 || k > n) {
    return false;
  }
  shard = k - 1;
  shards = n;
  return true;
}

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

int run_explore(const ExploreArgs& args) {
  ExploreOptions options;
  options.models.clear();
  for (const std::string& name : args.models) {
    const auto model = model_from_string(name);
    if (!model) {
      fmt::print(stderr, "{}\n",
                 usage_error(fmt::format("unknown model '{}' (process-kill, synced-only, posix, ext4-ordered)", name)));
      return kExitUsage;
    }
    if (std::find(options.models.begin(), options.models.end(), *model) == options.models.end()) {
      options.models.push_back(*model);
    }
  }
  if (options.models.empty()) options.models = {ModelKind::kPosix};
  if (args.sector < 512 || args.sector > (1u << 20) || (args.sector & (args.sector - 1)) != 0) {
    fmt::print(stderr, "{}\n", usage_error(fmt::format("--sector {}: use a power of two from 512 to 1048576", args.sector)));
    return kExitUsage;
  }
  if (args.max_states == 0) {
    fmt::print(stderr, "{}\n", usage_error("--max-states must be at least 1"));
    return kExitUsage;
  }
  if (!args.shard.empty() && !parse_shard(args.shard, options.shard, options.shards)) {
    fmt::print(stderr, "{}\n", usage_error(fmt::format("--shard {}: use K/N with 1 <= K <= N, e.g. 2/8", args.shard)));
    return kExitUsage;
  }
  if (args.window == 0) {
    fmt::print(stderr, "{}\n", usage_error("--window must be at least 1"));
    return kExitUsage;
  }
  options.sector = args.sector;
  options.max_states = args.max_states;
  options.seed = args.seed;
  options.window = args.window;
  options.samples = args.samples;

  TraceFile file;
  if (Status st = file.open(args.trace); !st) {
    fmt::print(stderr, "crashfs explore: {}\n", st.message());
    return TraceFile::exit_code_for(st);
  }
  const Trace& trace = file.trace();
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
  auto args = std::make_shared<ExploreArgs>();
  CLI::App* cmd = app.add_subcommand("explore", "Enumerate the crash states of a trace under persistence models");
  cmd->add_option("trace", args->trace, "Trace file written by `crashfs record`")->required();
  cmd->add_option("--model", args->models,
                  "process-kill, synced-only, posix or ext4-ordered (repeatable; default posix)");
  cmd->add_option("--sector", args->sector, "Torn-write granularity in bytes for posix (default 4096; 512 allowed)");
  cmd->add_option("--max-states", args->max_states,
                  fmt::format("Cap on generated states per model (default {}); when reached, every crash point "
                              "gets the same share",
                              kDefaultMaxStates));
  cmd->add_option("--seed", args->seed, "Seed of the random passes (default 0)");
  cmd->add_option("--shard", args->shard, "K/N: hand on only this shard's states (N shards cover all, once)");
  cmd->add_option("--window", args->window, "Bounded passes look at the last N unsynced operations (default 8)");
  cmd->add_option("--samples", args->samples, "Random states per bounded crash point (default 8)");
  cmd->add_flag("--list", args->list, "Print every distinct state: id, then what it lost");
  cmd->add_flag("--json", args->json, "JSON lines (states with --list) and a JSON summary");
  cmd->callback([args, &exit_code] { exit_code = run_explore(*args); });
}

}  // namespace crashfs::cli
