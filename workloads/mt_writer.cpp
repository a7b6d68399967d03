// mt_writer: several threads writing at once, for the recorder's thread tests.
//
//   mt_writer [THREADS [WRITES]]      (defaults 8 and 200; runs in the cwd)
//
// Every write is one write(2)/pwrite(2) of a 12-byte line "tTT wWWWWWW\n"
// naming its thread and index, so a test can find each write exactly once
// in a trace.  Files:
//   shared.log     one O_APPEND descriptor shared by all threads: all lines,
//                  interleaved in whatever order the threads ran
//   slots.dat      one descriptor shared by all threads, pwrite to a fixed
//                  slot per (thread, index): same bytes whatever the order
//   thread-TT.log  each thread's own file, its lines in order
// Exit status 0, or 1 with a message naming the failing call.
#include <fcntl.h>
#include <unistd.h>

#include <barrier>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kLineSize = 12;

bool write_whole(int fd, const char* line, off_t offset, bool positioned) {
  const ssize_t n = positioned ? pwrite(fd, line, kLineSize, offset) : write(fd, line, kLineSize);
  return n == kLineSize;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 8;
  const int writes = argc > 2 ? std::atoi(argv[2]) : 200;
  if (threads < 1 || threads > 99 || writes < 1 || writes > 999999) {
    std::fprintf(stderr, "usage: mt_writer [THREADS 1..99 [WRITES 1..999999]]\n");
    return 2;
  }
  const int shared = open("shared.log", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  const int slots = open("slots.dat", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (shared < 0 || slots < 0) {
    std::fprintf(stderr, "mt_writer: cannot create shared.log/slots.dat: %s\n", std::strerror(errno));
    return 1;
  }
  std::barrier start(threads);
  std::vector<std::thread> pool;
  std::vector<int> failed(threads, 0);
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      char name[32];
      std::snprintf(name, sizeof name, "thread-%02d.log", t);
      const int own = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (own < 0) {
        failed[t] = 1;
        start.arrive_and_drop();
        return;
      }
      start.arrive_and_wait();  // all threads write at the same time
      char line[32];  // exactly kLineSize chars for t <= 99, i <= 999999
      for (int i = 0; i < writes; ++i) {
        std::snprintf(line, sizeof line, "t%02d w%06d\n", t, i);
        const off_t slot = static_cast<off_t>(i) * threads + t;
        if (!write_whole(shared, line, 0, false) || !write_whole(own, line, 0, false) ||
            !write_whole(slots, line, slot * kLineSize, true)) {
          failed[t] = 1;
          break;
        }
      }
      close(own);
    });
  }
  for (auto& th : pool) th.join();
  close(shared);
  close(slots);
  for (int t = 0; t < threads; ++t) {
    if (failed[t]) {
      std::fprintf(stderr, "mt_writer: thread %d failed to write: %s\n", t, std::strerror(errno));
      return 1;
    }
  }
  return 0;
}
