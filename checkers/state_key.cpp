#include "checkers/state_key.h"

namespace crashfs {

ContentHash state_key(const StateView& state) {
  ContentHasher hasher;
  for (const FileEntry& e : state.entries()) {
    const std::uint64_t fields[5] = {e.path.size(), static_cast<std::uint64_t>(e.kind), e.mode, e.size, e.hash.lo};
    hasher.update(std::string_view(reinterpret_cast<const char*>(fields), sizeof fields));
    hasher.update(std::string_view(reinterpret_cast<const char*>(&e.hash.hi), sizeof e.hash.hi));
    hasher.update(e.path);
  }
  return hasher.finish();
}

}  // namespace crashfs
