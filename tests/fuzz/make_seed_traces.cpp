// make_seed_traces DIR: writes the fuzzer's seed corpus, small traces that
// start it from real records instead of from nothing: one record of every
// type, the same twice, the file header alone, and a torn tail.
#include <cstdio>
#include <fstream>
#include <string>

#include "trace_samples.h"

namespace {

bool write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::fprintf(stderr, "make_seed_traces: cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seed_traces DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  auto records = crashfs::test::one_record_of_each_type();
  const std::string every = crashfs::test::encode_trace(records);
  auto twice = records;
  twice.insert(twice.end(), records.begin(), records.end());
  const std::string header_only = crashfs::test::encode_trace({});
  bool ok = write(dir + "/every-type.trace", every);
  ok = write(dir + "/every-type-twice.trace", crashfs::test::encode_trace(twice)) && ok;
  ok = write(dir + "/header-only.trace", header_only) && ok;
  ok = write(dir + "/torn-tail.trace", every.substr(0, every.size() - 5)) && ok;
  return ok ? 0 : 1;
}
