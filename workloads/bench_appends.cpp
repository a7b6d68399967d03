// bench_appends: many small appends and one final fsync, for scripts/bench.sh.
//
//   bench_appends [COUNT [SIZE]]      (defaults 100000 appends of 64 bytes to appends.log in the cwd)
//
// Each append is one write(2) on an O_APPEND descriptor.  Exit 1 with a
// message naming the failing call.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  const long count = argc > 1 ? std::atol(argv[1]) : 100000;
  const int size = argc > 2 ? std::atoi(argv[2]) : 64;
  if (count < 1 || size < 1) {
    std::fprintf(stderr, "usage: bench_appends [COUNT [SIZE]]\n");
    return 2;
  }
  const int fd = open("appends.log", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::fprintf(stderr, "bench_appends: open appends.log: %s\n", std::strerror(errno));
    return 1;
  }
  std::string line(static_cast<std::size_t>(size), '.');
  line.back() = '\n';
  for (long i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    line.replace(0, std::min(n.size(), line.size() - 1), n.substr(0, line.size() - 1));
    if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      std::fprintf(stderr, "bench_appends: write #%ld: %s\n", i, std::strerror(errno));
      return 1;
    }
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    std::fprintf(stderr, "bench_appends: fsync/close: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}
