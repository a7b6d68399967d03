// RequestLoop: the multithreaded request loop of a FUSE session.
//
// A pool of worker threads built on libfuse's public custom-loop API
// (fuse_session_receive_buf / fuse_session_process_buf) instead of
// fuse_session_loop_mt, because crashfs needs what libfuse's loop cannot
// give: mutating requests (request_kind.h) served in the order the kernel
// queued them (request_order.h explains why and how).  Every worker reads
// /dev/fuse at once, as in libfuse's loop; reads, lookups, getattrs and
// readdirs run in parallel, mutating requests one at a time in queue order.
//
// stop() ends the loop: it marks the session exited and interrupts the
// workers blocked in read(2) with SIGUSR1 (handled by a no-op handler
// without SA_RESTART); workers keep every other signal blocked.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "fusefs/request_order.h"

struct fuse_session;

namespace crashfs::fusefs {

class RequestLoop {
 public:
  RequestLoop(fuse_session* session, int threads);
  ~RequestLoop();
  RequestLoop(const RequestLoop&) = delete;
  RequestLoop& operator=(const RequestLoop&) = delete;

  void start();
  void stop();

 private:
  // What a worker is doing, for some_reader_is_awake().
  enum Phase : int { kBusy = 0, kReading = 1, kReporting = 2 };
  struct Worker {
    std::atomic<pid_t> tid{0};
    // kReading: in read(2) (or just back from it); kReporting: holds a
    // request it is reporting (it may wait for the order's lock, asleep).
    std::atomic<int> phase{kBusy};
  };
  void work(Worker& self);
  // Whether a worker may hold a request it has not reported: one is
  // reporting, or one is reading but not asleep (/proc/self/task/TID/stat).
  bool some_reader_is_awake() const;

  fuse_session* session_;
  int thread_count_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<int> running_{0};
  RequestOrder order_;
};

}  // namespace crashfs::fusefs
