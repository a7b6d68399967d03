// TraceFile: a trace file mapped into memory and decoded (zero copy), for
// the commands that read traces.  Keeps the mapping alive as long as the
// decoded records are in use.
#pragma once

#include <string>

#include "core/status.h"
#include "core/trace.h"
#include "host/mapped_file.h"

namespace crashfs::host {

class TraceFile {
 public:
  // Maps and decodes `path`.  Errors: kNotFound / kInvalidArgument /
  // kIoError when the file cannot be read (a usage problem), kCorruption
  // when it is damaged (the message names the byte offset).
  Status open(const std::string& path);
  const Trace& trace() const { return trace_; }
  const std::string& path() const { return path_; }
  // The file's bytes (for a content digest).
  std::string_view bytes() const { return file_.bytes(); }

  // The exit code for a failed open(): kExitHarness for a damaged trace,
  // kExitUsage for a file that cannot be read.
  static int exit_code_for(const Status& status);

 private:
  std::string path_;
  MappedFile file_;
  Trace trace_;
};

}  // namespace crashfs::host
