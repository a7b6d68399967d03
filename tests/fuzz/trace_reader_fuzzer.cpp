// libFuzzer target: the trace reader must survive arbitrary bytes without
// crashing, hanging or allocating unboundedly.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/trace_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  crashfs::TraceReader reader(std::string_view(reinterpret_cast<const char*>(data), size));
  crashfs::Record rec;
  while (reader.next(rec)) {
  }
  return 0;
}
