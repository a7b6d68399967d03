// RequestLoop: the multithreaded request loop of a FUSE session.
//
// A pool of worker threads built on libfuse's public custom-loop API
// (fuse_session_receive_buf / fuse_session_process_buf) instead of
// fuse_session_loop_mt, because crashfs needs what libfuse's loop cannot
// give: mutating requests served in the order the kernel queued them.
//
// Why it matters: the kernel queues a program's requests in program order,
// but a multithreaded server may run two of them in either order.  close()
// is the case that bites: the kernel sends RELEASE asynchronously, after
// close(2) has returned, so a RELEASE and the program's next request (the
// rename of the file it just closed) would race for the Journal lock.
//
// How: leader/follower.  One worker at a time reads from /dev/fuse (the
// leader).  A request that may append a record (request_kind.h) is served
// by the leader before it lets the next worker read, so those requests run
// one at a time in queue order; any other request (read, lookup, getattr,
// readdir...) is handed off: the next worker becomes leader and the request
// runs in parallel.  Serving mutations on the leader also saves the thread
// hand-off for the most common requests of a writer.
//
// stop() ends the loop: it marks the session exited and interrupts the
// worker blocked in read(2) with SIGUSR1 (handled by a no-op handler
// without SA_RESTART); workers keep every other signal blocked.
#pragma once

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

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
  void work();

  fuse_session* session_;
  int thread_count_;
  std::vector<std::thread> threads_;
  std::atomic<int> running_{0};
  std::mutex leader_;  // held by the worker reading /dev/fuse
};

}  // namespace crashfs::fusefs
