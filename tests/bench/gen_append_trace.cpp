// gen_append_trace OUT [APPENDS] [BYTES] [FSYNC_EVERY]: writes a synthetic
// trace of one file created and appended to APPENDS times (default 100000)
// with BYTES-byte writes (default 64), with an fdatasync after every
// FSYNC_EVERY appends (default 0: never).  Input for scripts/bench-explore.sh.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/trace_builder.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gen_append_trace OUT [APPENDS] [BYTES] [FSYNC_EVERY]\n");
    return 2;
  }
  const long appends = argc > 2 ? std::atol(argv[2]) : 100000;
  const long bytes = argc > 3 ? std::atol(argv[3]) : 64;
  const long fsync_every = argc > 4 ? std::atol(argv[4]) : 0;
  if (appends < 0 || bytes < 1) {
    std::fprintf(stderr, "gen_append_trace: APPENDS must be >= 0 and BYTES >= 1\n");
    return 2;
  }
  crashfs::TraceBuilder b("/bench");
  b.create("journal");
  std::string entry(static_cast<std::size_t>(bytes), 'x');
  for (long i = 0; i < appends; ++i) {
    entry[0] = static_cast<char>('a' + i % 26);
    b.append("journal", entry);
    if (fsync_every > 0 && (i + 1) % fsync_every == 0) b.fdatasync("journal");
  }
  b.release("journal");
  const std::string out = b.encode();
  std::FILE* f = std::fopen(argv[1], "wb");
  if (f == nullptr || std::fwrite(out.data(), 1, out.size(), f) != out.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "gen_append_trace: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
