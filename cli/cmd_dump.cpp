// crashfs dump TRACE [--json]: print every record of a trace.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/path_tracker.h"
#include "core/record_format.h"
#include "core/trace_codec.h"
#include "host/exit_codes.h"
#include "host/mapped_file.h"

namespace crashfs::cli {
namespace {

struct DumpOptions {
  std::string trace;
  bool json = false;
};

int run_dump(const DumpOptions& opt) {
  MappedFile file;
  if (Status st = file.open(opt.trace); !st) {
    fmt::print(stderr, "crashfs dump: {}\n", st.message());
    return kExitUsage;
  }
  TraceReader reader(file.bytes());
  PathTracker paths;
  Record rec;
  std::uint64_t count = 0;
  std::string line;
  while (reader.next(rec)) {
    ++count;
    line = opt.json ? to_json(rec, paths).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                    : describe(rec, paths);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    paths.apply(rec);
  }
  std::fflush(stdout);
  if (!reader.status()) {
    fmt::print(stderr, "crashfs dump: {}: {} ({} records read before it)\n", opt.trace, reader.status().message(),
               count);
    return kExitHarness;
  }
  if (reader.torn_tail_bytes() > 0) {
    fmt::print(stderr, "crashfs dump: {}: torn final record ({} bytes) ignored: the recorder was stopped mid-append\n",
               opt.trace, reader.torn_tail_bytes());
  }
  return kExitOk;
}

}  // namespace

void add_dump_command(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<DumpOptions>();
  CLI::App* cmd = app.add_subcommand("dump", "Print the records of a trace, one per line");
  cmd->add_option("trace", opt->trace, "Trace file written by `crashfs record`")->required();
  cmd->add_flag("--json", opt->json, "One JSON object per line (for tools)");
  cmd->callback([opt, &exit_code] { exit_code = run_dump(*opt); });
}

}  // namespace crashfs::cli
