// The exploration options shared by `crashfs explore` and `crashfs run`:
// --model, --sector, --max-states, --seed, --shard, --window, --samples,
// --from-mark, --to-mark.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/explorer.h"
#include "core/status.h"
#include "core/trace.h"

namespace crashfs::cli {

struct ExploreArgs {
  std::vector<std::string> models;
  std::uint32_t sector = kDefaultSector;
  std::uint64_t max_states = kDefaultMaxStates;
  std::uint64_t seed = 0;
  std::string shard;
  std::uint32_t window = 8;
  std::uint32_t samples = 8;
  std::string from_mark;
  std::string to_mark;
};

// Registers the options on `cmd`; `default_models` is named in --help.
void add_explore_args(CLI::App* cmd, ExploreArgs& args, const std::string& default_models);

// Validates `args` into `out`; models default to `default_models` when none
// was given.  The error names the option and what is allowed.
Status to_explore_options(const ExploreArgs& args, const std::vector<ModelKind>& default_models, ExploreOptions& out);

}  // namespace crashfs::cli

namespace crashfs::cli {

// Limits out.first_point / last_point to the crash points after the first
// mark labelled --from-mark and before the first mark labelled --to-mark
// (after the from-mark) in `trace`.  The error names a label the trace does
// not hold and lists the ones it does.
Status apply_mark_range(const ExploreArgs& args, const Trace& trace, ExploreOptions& out);

}  // namespace crashfs::cli
