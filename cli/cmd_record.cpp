// crashfs record [--dir DIR] [--trace FILE] [--no-record] [--real-fsync] -- CMD [ARGS...]
//
// The subcommand: options, then host/record_session.h does the recording.
#include <memory>

#include "cli/commands.h"
#include "host/exit_codes.h"
#include "host/record_session.h"

namespace crashfs::cli {

using host::record_workload;
using host::RecordOptions;
using host::RecordResult;

void add_record_command(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<RecordOptions>();
  CLI::App* cmd = app.add_subcommand(
      "record",
      "Run CMD in DIR on the recording file system and write every file-system change it makes to a trace.\n"
      "Exits with CMD's exit status (128+N if it died of signal N); 127 if CMD is not found, 2 for bad input.\n"
      "fsync/fdatasync/directory fsync are recorded but not performed (the trace decides what is durable).\n"
      "CMD's stdout and stderr are recorded too, in order with its file operations, and passed on; to CMD they are\n"
      "regular files, not a terminal (stdio buffers them: flush after a line that matters).\n"
      "Label a point of the trace from the workload: setfattr -n user.crashfs.mark -v LABEL ANY_FILE");
  cmd->add_option("--dir", opt->dir, "Directory to record (mounted over; the command runs there)")
      ->capture_default_str();
  cmd->add_option("--trace", opt->trace, "Trace file to write (hidden from the command if inside DIR)")
      ->capture_default_str();
  cmd->add_flag("--no-record", opt->no_record, "Plain passthrough: no trace, fsyncs performed, output not captured (for benchmarks)");
  cmd->add_flag("--real-fsync", opt->real_fsync, "Also perform fsync/fdatasync/fsyncdir and O_SYNC writes on disk");
  cmd->add_option("cmd", opt->command, "The command and its arguments, after --")->expected(-1)->required();
  cmd->callback([opt, &exit_code] {
    const RecordResult result = record_workload(*opt);
    exit_code = result.command_not_found ? kExitCommandNotFound : result.error != kExitOk ? result.error : result.command_status;
  });
}

}  // namespace crashfs::cli
