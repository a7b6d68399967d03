// gen_journal_trace OUT ENTRIES [FSYNC_EVERY]: writes a synthetic trace of a
// u32le journal (checkers/journal_length_prefixed.h) of ENTRIES entries, each
// appended in two writes (the 4-byte length, then the payload of 100 to 1,800
// bytes, ~950 on average), with an fdatasync after every FSYNC_EVERY entries
// (default 10), then a release.  Input for scripts/bench-check.sh (check with
// --checker journal:u32le@journal).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/trace_builder.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: gen_journal_trace OUT ENTRIES [FSYNC_EVERY]\n");
    return 2;
  }
  const long entries = std::atol(argv[2]);
  const long fsync_every = argc > 3 ? std::atol(argv[3]) : 10;
  if (entries < 0 || fsync_every < 0) {
    std::fprintf(stderr, "gen_journal_trace: ENTRIES and FSYNC_EVERY must be >= 0\n");
    return 2;
  }
  crashfs::TraceBuilder b("/bench");
  b.create("journal");
  for (long i = 0; i < entries; ++i) {
    // Deterministic sizes spread over [100, 1800]; the payload names its entry.
    const std::size_t size = 100 + static_cast<std::size_t>((i * 7919) % 1701);
    std::string payload(size, static_cast<char>('a' + i % 26));
    const std::string tag = "entry " + std::to_string(i) + ";";
    payload.replace(0, std::min(tag.size(), size), tag.substr(0, size));
    const std::uint32_t n = static_cast<std::uint32_t>(size);
    const char length[4] = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                            static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 24) & 0xff)};
    b.append("journal", std::string_view(length, 4));
    b.append("journal", payload);
    if (fsync_every > 0 && (i + 1) % fsync_every == 0) b.fdatasync("journal");
  }
  b.release("journal");
  const std::string out = b.encode();
  std::FILE* f = std::fopen(argv[1], "wb");
  if (f == nullptr || std::fwrite(out.data(), 1, out.size(), f) != out.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "gen_journal_trace: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
