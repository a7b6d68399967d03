// RequestLoop: the multithreaded request loop of a FUSE session.
//
// A fixed pool of worker threads built on libfuse's public custom-loop API
// (fuse_session_receive_buf / fuse_session_process_buf) instead of
// fuse_session_loop_mt, because crashfs needs one thing libfuse's loop does
// not give: the order in which the kernel queued the requests.  Workers read
// one at a time (leader/follower), number each request, and, when `ordered`,
// serve mutating requests in that order (see request_order.h); everything
// else runs in parallel.
//
// stop() ends the loop: it marks the session exited and interrupts the
// worker blocked in read(2) with SIGUSR1 (handled by a no-op handler
// without SA_RESTART); workers keep every other signal blocked.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "fusefs/request_order.h"

struct fuse_session;

namespace crashfs::fusefs {

class RequestLoop {
 public:
  RequestLoop(fuse_session* session, bool ordered, int threads);
  ~RequestLoop();
  RequestLoop(const RequestLoop&) = delete;
  RequestLoop& operator=(const RequestLoop&) = delete;

  void start();
  void stop();

 private:
  void work();

  fuse_session* session_;
  bool ordered_;
  int thread_count_;
  std::vector<std::thread> threads_;
  std::atomic<int> running_{0};
  std::mutex read_mutex_;  // one reader at a time: tickets follow the kernel's queue
  std::uint64_t next_ticket_ = 0;  // under read_mutex_
  RequestOrder order_;
};

}  // namespace crashfs::fusefs
