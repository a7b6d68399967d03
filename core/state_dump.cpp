#include "core/state_dump.h"

#include <fmt/format.h>

namespace crashfs {

std::string dump_state(const StateView& state, bool with_mtime) {
  std::string out;
  for (const FileEntry& e : state.entries()) {
    out += fmt::format("{}\t{}\t{:o}\t{}\t{}", e.path, to_string(e.kind), e.mode, e.size, e.hash.hex());
    if (with_mtime) out += fmt::format("\t{}", e.mtime_ns);
    out += '\n';
  }
  return out;
}

}  // namespace crashfs
