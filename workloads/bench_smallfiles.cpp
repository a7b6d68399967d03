// bench_smallfiles: the atomic-replace pattern at volume, for scripts/bench.sh.
//
//   bench_smallfiles [COUNT [SIZE]]      (defaults 2000 files of 4096 bytes; in the cwd)
//
// For each file: write file-N.tmp, fsync it, close, rename onto file-N.
// Prints nothing; exit 1 with a message naming the failing call.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int size = argc > 2 ? std::atoi(argv[2]) : 4096;
  if (count < 1 || size < 0) {
    std::fprintf(stderr, "usage: bench_smallfiles [COUNT [SIZE]]\n");
    return 2;
  }
  std::string body(static_cast<std::size_t>(size), 'x');
  for (int i = 0; i < count; ++i) {
    char tmp[64];
    char name[64];
    std::snprintf(tmp, sizeof tmp, "file-%d.tmp", i);
    std::snprintf(name, sizeof name, "file-%d", i);
    body.replace(0, std::min<std::size_t>(body.size(), 16), std::string(name).substr(0, 16));
    const int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::fprintf(stderr, "bench_smallfiles: open %s: %s\n", tmp, std::strerror(errno));
      return 1;
    }
    if (write(fd, body.data(), body.size()) != static_cast<ssize_t>(body.size()) || fsync(fd) != 0) {
      std::fprintf(stderr, "bench_smallfiles: write/fsync %s: %s\n", tmp, std::strerror(errno));
      return 1;
    }
    close(fd);
    if (rename(tmp, name) != 0) {
      std::fprintf(stderr, "bench_smallfiles: rename %s: %s\n", tmp, std::strerror(errno));
      return 1;
    }
  }
  return 0;
}
