#include "cli/explore_args.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

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
  cmd->add_option("--from-mark", args.from_mark,
                  "LABEL: only crash points after the first mark LABEL (`crashfs mark`, user.crashfs.mark)");
  cmd->add_option("--to-mark", args.to_mark, "LABEL: only crash points before the first mark LABEL (after --from-mark)");
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

Status apply_mark_range(const ExploreArgs& args, const Trace& trace, ExploreOptions& out) {
  if (args.from_mark.empty() && args.to_mark.empty()) return Status::ok();
  std::vector<std::string> labels;
  std::optional<Seq> from, to;
  for (const Record& r : trace.records()) {
    if (r.type != RecordType::kMark) continue;
    const std::string label(r.data);
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
    if (!from && !args.from_mark.empty() && label == args.from_mark) from = r.seq;
    if (!to && !args.to_mark.empty() && label == args.to_mark && (args.from_mark.empty() || from)) to = r.seq;
  }
  const auto missing = [&](const char* option, const std::string& label) {
    return Status::invalid_argument(fmt::format(
        "{} {}: the trace has no such mark{} (marks: {})", option, label,
        std::string_view(option) == "--to-mark" && !args.from_mark.empty() ? " after --from-mark" : "",
        labels.empty() ? std::string("none") : fmt::format("'{}'", fmt::join(labels, "', '"))));
  };
  if (!args.from_mark.empty() && !from) return missing("--from-mark", args.from_mark);
  if (!args.to_mark.empty() && !to) return missing("--to-mark", args.to_mark);
  // A crash point is an operation: after the from-mark means a later seq.
  const auto& ops = trace.ops();
  std::size_t first = ops.size(), last = 0;
  bool any = false;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Seq seq = trace.op(i).seq;
    if ((from && seq < *from) || (to && seq > *to)) continue;
    first = std::min(first, i);
    last = std::max(last, i);
    any = true;
  }
  if (!any) {
    return Status::invalid_argument(fmt::format("--from-mark/--to-mark: no operation lies between the marks: nothing "
                                                "to explore"));
  }
  out.first_point = first;
  out.last_point = last;
  return Status::ok();
}

}  // namespace crashfs::cli
