// The workload's output as lines, each placed at the write that completed it.
//
// The recorder stores every write(2) the workload made to its stdout or
// stderr as an Output record (trace_record.h), in request order with the file
// operations.  Consumers (acknowledgements: `--ack REGEX`) want lines.  Rules,
// per stream (stdout and stderr are split independently; writes of several
// processes to one stream join in trace order, as on a terminal):
//   - a line ends at a '\n'; it lands at the Output record holding that
//     '\n', however many writes it was spread over;
//   - several lines completed by one write all land at that write, in order;
//   - a final line without '\n' lands at the last write of its stream (the
//     workload ended without finishing it): `terminated` is false;
//   - `text` is the line's bytes without its '\n' (a '\r' is kept);
//   - empty writes contribute nothing.
// Lines of both streams come out in trace order of the records they land at.
//
// Cost: one pass over the records, O(records + output bytes).  Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/trace.h"
#include "core/trace_record.h"

namespace crashfs {

// "stdout" (kOutputStdout), "stderr" (kOutputStderr), else "stream N".
std::string output_stream_name(std::uint32_t stream);

struct OutputLine {
  std::uint32_t stream = kOutputStdout;  // kOutputStdout or kOutputStderr (the record's flags)
  std::string text;                      // the bytes, without the '\n'
  bool terminated = true;                // false: the stream's final line had no '\n'
  Seq seq = 0;                           // seq of the Output record the line lands at
  std::size_t record = 0;                // its index in Trace::records()
  // Operations (Trace::ops() indices) before that record: the line was
  // written after operations [0, ops_before) completed and before operation
  // ops_before (if any) began.
  std::size_t ops_before = 0;
  std::uint32_t pid = 0;  // the process whose write completed the line
  std::uint32_t tid = 0;
};

// Every line of the trace's Output records (rules above), in trace order.
std::vector<OutputLine> output_lines(const Trace& trace);

// The same, incrementally, over records as they are read (e.g. by a
// TraceReader): feed() each record in trace order, with its index and the
// number of operations before it; finish() emits the unterminated tails.
// Records other than Output are ignored.
class OutputLineSplitter {
 public:
  using Sink = std::function<void(OutputLine&&)>;
  explicit OutputLineSplitter(Sink sink) : sink_(std::move(sink)) {}

  void feed(const Record& rec, std::size_t record, std::size_t ops_before);
  void finish();

 private:
  struct Pending {
    std::uint32_t stream = 0;
    std::string text;  // bytes after the stream's last '\n'
    OutputLine last;   // where an unterminated tail would land (text unused)
  };
  Pending& pending(std::uint32_t stream);

  Sink sink_;
  std::vector<Pending> streams_;  // few: one per stream seen
};

}  // namespace crashfs
