#include "cli/explore_args.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/shard.h"

namespace crashfs::cli {

void add_explore_args(CLI::App* cmd, ExploreArgs& args, const std::string& default_models) {
  cmd->add_option("--model", args.models,
                  fmt::format("Persistence model, repeatable: process-kill, synced-only, posix, ext4-ordered "
                              "(default: {})",
                              default_models))
      ->allow_extra_args(false);
  cmd->add_option("--sector", args.sector, "Torn-write granularity in bytes for posix (default 4096; 512 allowed)");
  cmd->add_option("--max-states", args.max_states,
                  fmt::format("Cap on the states generated per model (default {}); the summary says when it cut",
                              kDefaultMaxStates));
  cmd->add_option("--seed", args.seed, "Seed of the random passes (default 0)");
  cmd->add_option("--shard", args.shard, "K/N: only this shard's states (N shards cover every state exactly once)");
  cmd->add_option("--window", args.window, "Bounded passes look at the last N unsynced operations (default 8)");
  cmd->add_option("--samples", args.samples, "Random states per bounded crash point (default 8)");
}

Status to_explore_options(const ExploreArgs& args, const std::vector<ModelKind>& default_models, ExploreOptions& out) {
  out.models.clear();
  for (const std::string& name : args.models) {
    const auto model = model_from_string(name);
    if (!model)
      return Status::invalid_argument(
          fmt::format("--model {}: unknown model (use process-kill, synced-only, posix or ext4-ordered)", name));
    if (std::find(out.models.begin(), out.models.end(), *model) == out.models.end()) out.models.push_back(*model);
  }
  if (out.models.empty()) out.models = default_models;
  if (args.sector < 512 || args.sector > (1u << 20) || (args.sector & (args.sector - 1)) != 0)
    return Status::invalid_argument(fmt::format("--sector {}: use a power of two from 512 to 1048576", args.sector));
  if (args.max_states == 0) return Status::invalid_argument("--max-states must be at least 1");
  if (!args.shard.empty()) {
    const auto shard = parse_shard(args.shard);
    if (!shard) return Status::invalid_argument(fmt::format("--shard {}: use K/N with 1 <= K <= N, e.g. 2/8", args.shard));
    out.shard = shard->index;
    out.shards = shard->count;
  }
  if (args.window == 0) return Status::invalid_argument("--window must be at least 1");
  out.sector = args.sector;
  out.max_states = args.max_states;
  out.seed = args.seed;
  out.window = args.window;
  out.samples = args.samples;
  return Status::ok();
}

}  // namespace crashfs::cli
