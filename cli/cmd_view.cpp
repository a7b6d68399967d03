// crashfs view TRACE --state ID [--base DIR] MNT: one crash state mounted
// read-only (host/view_daemon.h); `crashfs unmount MNT` ends it.
#include <memory>

#include "cli/commands.h"
#include "host/view_daemon.h"

namespace crashfs::cli {

void add_view_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ViewOptions>();
  CLI::App* cmd = app.add_subcommand(
      "view",
      "Mount one crash state of a trace read-only on MNT, served from the trace without copying the tree (what\n"
      "`crashfs replay` would write); writes fail with EROFS. Returns once it serves; prints the daemon's pid.\n"
      "`crashfs unmount MNT` ends it.");
  cmd->add_option("trace", options->trace, "Trace file")->required();
  cmd->add_option("--state", options->state, "State id, as reports and `crashfs explore --list` print it")
      ->required();
  cmd->add_option("--base", options->base,
                  "The recorded directory as the run left it (default: the directory named in the trace)");
  cmd->add_option("--log", options->log, "The daemon's log file (default: next to its state file)");
  cmd->add_option("mnt", options->dir, "An existing directory to mount the state on")->required();
  cmd->callback([options, &exit_code] { exit_code = start_view_daemon(*options); });
}

}  // namespace crashfs::cli
