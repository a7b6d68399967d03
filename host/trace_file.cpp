#include "host/trace_file.h"

#include "host/exit_codes.h"

namespace crashfs::host {

Status TraceFile::open(const std::string& path) {
  path_ = path;
  if (Status st = file_.open(path); !st) return st;
  return Trace::decode(file_.bytes(), trace_, path);
}

int TraceFile::exit_code_for(const Status& status) {
  return status.code() == Status::Code::kCorruption ? kExitHarness : kExitUsage;
}

}  // namespace crashfs::host
