// print_after_write: threads that each write a file, then print a line
// saying so: for the recorder's output-ordering tests.
//
//   print_after_write [THREADS [FILES]]      (defaults 8 and 20; runs in the cwd)
//
// Thread TT writes file tTT-FFF (one write(2) of "tTT fFFF\n", then close),
// then prints "tTT fFFF written\n" with one write(2) to stdout, for FFF = 0 ..
// FILES-1.  The threads start together (a barrier), so their requests
// overlap.  A recorder that orders output with file operations must put each
// line after the write of its file.  Exit status 0, or 1 naming the failing
// call.
#include <fcntl.h>
#include <unistd.h>

#include <barrier>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 8;
  const int files = argc > 2 ? std::atoi(argv[2]) : 20;
  if (threads < 1 || threads > 99 || files < 1 || files > 999) {
    std::fprintf(stderr, "usage: print_after_write [THREADS (1-99) [FILES (1-999)]]\n");
    return 2;
  }
  std::barrier start(threads);
  std::vector<std::thread> pool;
  std::vector<int> failed(static_cast<std::size_t>(threads), 0);
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int f = 0; f < files; ++f) {
        char name[32], body[32], line[48];
        std::snprintf(name, sizeof name, "t%02d-%03d", t, f);
        const int body_len = std::snprintf(body, sizeof body, "t%02d f%03d\n", t, f);
        const int line_len = std::snprintf(line, sizeof line, "t%02d f%03d written\n", t, f);
        const int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, body, static_cast<std::size_t>(body_len)) != body_len || close(fd) != 0) {
          std::fprintf(stderr, "print_after_write: writing %s: %s\n", name, std::strerror(errno));
          failed[static_cast<std::size_t>(t)] = 1;
          return;
        }
        if (write(STDOUT_FILENO, line, static_cast<std::size_t>(line_len)) != line_len) {
          std::fprintf(stderr, "print_after_write: printing: %s\n", std::strerror(errno));
          failed[static_cast<std::size_t>(t)] = 1;
          return;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  for (int f : failed) {
    if (f) return 1;
  }
  return 0;
}
