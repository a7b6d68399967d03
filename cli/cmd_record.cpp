// Placeholder until the recording file system lands (issue 2).
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace crashfs::cli {

void add_record_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("record", "Record a workload (not built yet)");
  cmd->allow_extras();
  cmd->callback([&exit_code] {
    fmt::print(stderr, "crashfs record: not built yet\n");
    exit_code = kExitHarness;
  });
}

void add_unmount_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("unmount", "Unmount a crashfs mount (not built yet)");
  cmd->allow_extras();
  cmd->callback([&exit_code] { exit_code = kExitHarness; });
}

}  // namespace crashfs::cli
