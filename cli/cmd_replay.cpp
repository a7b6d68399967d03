// crashfs replay TRACE --state ID --out DIR [--base DIR] [--known-only]:
// writes one crash state to a new directory.
#include <fcntl.h>

#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "core/explorer.h"
#include "host/directory_base_content.h"
#include "host/exit_codes.h"
#include "host/replay_to_disk.h"
#include "host/trace_file.h"

namespace crashfs::cli {
namespace {

struct ReplayArgs {
  std::string trace;
  std::string state;
  std::string out;
  std::string base;
  bool known_only = false;
};

int run_replay(const ReplayArgs& args) {
  TraceFile file;
  if (Status st = file.open(args.trace); !st) {
    fmt::print(stderr, "crashfs replay: {}\n", st.message());
    return TraceFile::exit_code_for(st);
  }
  StateSpec spec;
  if (Status st = StateSpec::parse(args.state, spec); !st) {
    fmt::print(stderr, "crashfs replay: {}\n", st.message());
    return kExitUsage;
  }

  // The base: --base, else the recorded directory named by the trace.
  std::unique_ptr<DirectoryBaseContent> base;
  if (Status st = open_state_base(file.trace().recorded_dir(), args.base, base); !st) {
    fmt::print(stderr, "crashfs replay: {}\n", st.message());
    return kExitUsage;
  }
  if (!base && !args.known_only) {
    fmt::print(stderr,
               "crashfs replay: the recorded directory {} cannot be opened, so untouched entries cannot be copied: "
               "pass --base DIR (a copy of it after the run) or --known-only\n",
               file.trace().recorded_dir().empty() ? "(none in the trace)" : file.trace().recorded_dir());
    return kExitUsage;
  }

  Explorer explorer(file.trace(), base.get());
  FsImage image;
  if (Status st = explorer.build(spec, image); !st) {
    fmt::print(stderr, "crashfs replay: {} (list the states of this trace with `crashfs explore {} --list`)\n",
               st.message(), args.trace);
    return kExitUsage;
  }
  ReplayOptions options;
  options.out_dir = args.out;
  options.base_fd = base ? base->fd() : -1;
  options.known_only = args.known_only;
  ReplayStats stats;
  const Status st = write_state_to_disk(explorer.builder(), image, options, stats);
  for (const std::string& w : stats.warnings) fmt::print(stderr, "crashfs replay: warning: {}\n", w);
  if (!st) {
    fmt::print(stderr, "crashfs replay: {}\n", st.message());
    return st.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitHarness;
  }
  fmt::print("{}\n  {}\nwrote {}: {} files, {} directories, {} symlinks, {} hard links", spec.id(),
             explorer.describe(spec), args.out, stats.files, stats.dirs, stats.symlinks, stats.hard_links);
  if (!args.known_only && base) {
    fmt::print(", {} untouched entries copied from {}", stats.copied_from_base, base->dir());
  }
  fmt::print("\n");
  return kExitOk;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand("replay", "Write one crash state of a trace to a new directory");
  cmd->add_option("trace", args->trace, "Trace file written by `crashfs record`")->required();
  cmd->add_option("--state", args->state, "State id, as `crashfs explore --list` prints it (e.g. posix@41-o38)")
      ->required();
  cmd->add_option("--out", args->out, "Directory to create (must not exist, or be empty)")->required();
  cmd->add_option("--base", args->base,
                  "The recorded directory as the run left it (default: the directory named in the trace)");
  cmd->add_flag("--known-only", args->known_only,
                "Write only what the trace knows; do not copy untouched entries from the base");
  cmd->callback([args, &exit_code] { exit_code = run_replay(*args); });
}

}  // namespace crashfs::cli
