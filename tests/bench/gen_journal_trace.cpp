// gen_journal_trace OUT ENTRIES [FSYNC_EVERY [FORMAT]]: writes a synthetic
// trace of a journal "journal" of ENTRIES entries, each appended in two
// writes, with an fdatasync after every FSYNC_EVERY entries (default 10;
// 0: never), then a release.  Input for scripts/bench-check.sh (check with
// --checker journal:FORMAT@journal).
//   u32le (default)  checkers/journal_length_prefixed.h: the 4-byte length,
//                    then the payload of 100 to 1,800 bytes (~950 on
//                    average);
//   ninja-deps, shake, leveldb  the header in one write, then the test
//                    encoders' entries (tests/unit/journal_test_encoders.h;
//                    ninja-deps: a path record, then a deps record on the
//                    last 4 paths), split after their first 4 bytes.  The
//                    readers of these formats carry state from entry to
//                    entry (known paths, witnesses, blocks).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/trace_builder.h"
#include "tests/unit/journal_test_encoders.h"

namespace {

// The u32le entry `i`: deterministic sizes spread over [100, 1800]; the
// payload names its entry.
std::string u32le_entry(long i) {
  const std::size_t size = 100 + static_cast<std::size_t>((i * 7919) % 1701);
  std::string payload(size, static_cast<char>('a' + i % 26));
  const std::string tag = "entry " + std::to_string(i) + ";";
  payload.replace(0, std::min(tag.size(), size), tag.substr(0, size));
  std::string out;
  crashfs::testing::put32le(out, static_cast<std::uint32_t>(size));
  return out + payload;
}

std::unique_ptr<crashfs::testing::TestWriter> writer(const std::string& format) {
  using namespace crashfs::testing;
  if (format == "ninja-deps") return std::make_unique<NinjaDepsWriter>(4);
  if (format == "shake") return std::make_unique<ShakeWriter>();
  if (format == "leveldb") return std::make_unique<LevelDbWriter>();
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: gen_journal_trace OUT ENTRIES [FSYNC_EVERY [FORMAT]]\n");
    return 2;
  }
  const long entries = std::atol(argv[2]);
  const long fsync_every = argc > 3 ? std::atol(argv[3]) : 10;
  const std::string format = argc > 4 ? argv[4] : "u32le";
  if (entries < 0 || fsync_every < 0) {
    std::fprintf(stderr, "gen_journal_trace: ENTRIES and FSYNC_EVERY must be >= 0\n");
    return 2;
  }
  const auto w = writer(format);
  if (!w && format != "u32le") {
    std::fprintf(stderr, "gen_journal_trace: FORMAT is u32le, ninja-deps, shake or leveldb\n");
    return 2;
  }
  crashfs::TraceBuilder b("/bench");
  b.create("journal");
  std::uint64_t size = 0;
  if (w) {
    b.append("journal", w->header());
    size += w->header().size();
  }
  for (long i = 0; i < entries; ++i) {
    const std::string entry = w ? w->entry(static_cast<std::size_t>(i), size) : u32le_entry(i);
    b.append("journal", std::string_view(entry).substr(0, 4));
    b.append("journal", std::string_view(entry).substr(4));
    size += entry.size();
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
