// crashfs: record a workload on a FUSE file system, replay the states a
// crash could leave, and check them.  See README.md.
#include <CLI/CLI.hpp>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "host/exit_codes.h"

int main(int argc, char** argv) {
  CLI::App app{"crashfs: record a workload, explore the states a crash could leave, check them"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "crashfs 0.1.0");
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log debugging detail to stderr");

  int exit_code = crashfs::kExitOk;
  crashfs::cli::add_run_command(app, exit_code);
  crashfs::cli::add_check_command(app, exit_code);
  crashfs::cli::add_merge_command(app, exit_code);
  crashfs::cli::add_record_command(app, exit_code);
  crashfs::cli::add_dump_command(app, exit_code);
  crashfs::cli::add_mount_command(app, exit_code);
  crashfs::cli::add_unmount_command(app, exit_code);
  crashfs::cli::add_explore_command(app, exit_code);
  crashfs::cli::add_replay_command(app, exit_code);
  crashfs::cli::add_show_command(app, exit_code);
  crashfs::cli::add_view_command(app, exit_code);

  app.parse_complete_callback([&] { spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : crashfs::kExitUsage;
  }
  return exit_code;
}
