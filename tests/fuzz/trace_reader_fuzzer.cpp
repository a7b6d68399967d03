// libFuzzer target: the trace reader (core/trace_codec.h) and the trace
// decoder over it (core/trace.h), on arbitrary bytes.
// Contract checked on every input:
//   - no crash, hang or unbounded allocation (libFuzzer's limits);
//   - the read offset only moves forward and stays within the file; a torn
//     tail lies within the file, after the last record;
//   - prefix consistency: the file cut where the last record ended reads as
//     the same number of records, with no torn tail (records never depend on
//     bytes after them);
//   - Trace::decode accepts or refuses the bytes without crashing, and a torn
//     tail it reports is within the file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/trace.h"
#include "core/trace_codec.h"
#include "fuzz_contract.h"

using namespace crashfs;

namespace {

struct ReadAll {
  std::size_t records = 0;
  std::uint64_t end_of_last = 0;  // offset after the last record read
  TraceReader reader;
  explicit ReadAll(std::string_view bytes) : reader(bytes) {
    Record rec;
    std::uint64_t before = reader.offset();
    while (reader.next(rec)) {
      FUZZ_CONTRACT(reader.offset() > before && reader.offset() <= bytes.size(), "offset {} after {} in {} bytes",
                    reader.offset(), before, bytes.size());
      before = reader.offset();
      end_of_last = before;
      ++records;
    }
    FUZZ_CONTRACT(reader.offset() <= bytes.size() && reader.torn_tail_bytes() <= bytes.size() - reader.offset(),
                  "stopped at {} with a torn tail of {} in {} bytes", reader.offset(), reader.torn_tail_bytes(),
                  bytes.size());
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = fuzz::as_text(data, size);
  const ReadAll all(bytes);
  if (all.records > 0) {
    const ReadAll cut(bytes.substr(0, all.end_of_last));
    FUZZ_CONTRACT(cut.records == all.records && cut.reader.status().is_ok() && cut.reader.torn_tail_bytes() == 0,
                  "cut after its {} records at {}, the trace reads {} records ({})", all.records, all.end_of_last,
                  cut.records, cut.reader.status().message());
  }
  Trace trace;
  if (Trace::decode(bytes, trace).is_ok())
    FUZZ_CONTRACT(trace.torn_tail_bytes() <= bytes.size(), "torn tail {} of {} bytes", trace.torn_tail_bytes(),
                  bytes.size());
  return 0;
}
