// Recording a workload: the engine of `crashfs record`, also used by
// `crashfs run`.
#pragma once

#include <string>
#include <vector>

namespace crashfs::host {

struct RecordOptions {
  std::string dir = ".";
  std::string trace = "crashfs.trace";
  bool no_record = false;
  bool real_fsync = false;
  std::vector<std::string> command;
  std::string log_prefix = "crashfs record";  // prefix of messages on stderr
};

struct RecordResult {
  // kExitOk when the recording worked (whatever the command did); otherwise
  // kExitUsage (bad input or environment, command not found) or
  // kExitHarness (the trace is incomplete).  The message was printed.
  int error = 0;
  bool command_not_found = false;
  int command_status = 0;  // exit status of CMD, 128+N if it died of signal N
};

RecordResult record_workload(const RecordOptions& options);

}  // namespace crashfs::host
