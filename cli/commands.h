// Subcommands of the crashfs binary.  Each add_*_command registers one
// subcommand on the app; its callback stores the process exit code in
// `exit_code` (see host/exit_codes.h).
#pragma once

#include <CLI/CLI.hpp>

namespace crashfs::host {}

namespace crashfs::cli {

// The subcommands drive the host-facing pieces (trace files, replay,
// recording sessions) by their plain names.
using namespace crashfs::host;

void add_dump_command(CLI::App& app, int& exit_code);
void add_record_command(CLI::App& app, int& exit_code);
void add_unmount_command(CLI::App& app, int& exit_code);
void add_mount_command(CLI::App& app, int& exit_code);  // mount, status, mark
void add_explore_command(CLI::App& app, int& exit_code);
void add_replay_command(CLI::App& app, int& exit_code);
void add_show_command(CLI::App& app, int& exit_code);
void add_view_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_check_command(CLI::App& app, int& exit_code);
void add_merge_command(CLI::App& app, int& exit_code);

}  // namespace crashfs::cli
