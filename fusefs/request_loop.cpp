#include "fusefs/request_loop.h"

#include <linux/fuse.h>
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "fusefs/fuse_api.h"

namespace crashfs::fusefs {
namespace {

void on_wakeup(int) {}  // only interrupts read(2)

}  // namespace

RequestLoop::RequestLoop(fuse_session* session, bool ordered, int threads)
    : session_(session), ordered_(ordered), thread_count_(threads) {}

RequestLoop::~RequestLoop() { stop(); }

void RequestLoop::start() {
  struct sigaction sa {};
  sa.sa_handler = on_wakeup;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART
  sigaction(SIGUSR1, &sa, nullptr);
  running_ = thread_count_;
  for (int i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { work(); });
}

void RequestLoop::work() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  sigset_t wake;
  sigemptyset(&wake);
  sigaddset(&wake, SIGUSR1);
  pthread_sigmask(SIG_UNBLOCK, &wake, nullptr);

  fuse_buf buf{};
  while (!fuse_session_exited(session_)) {
    std::uint64_t ticket = 0;
    bool ordered = false;
    {
      std::lock_guard reader(read_mutex_);
      if (fuse_session_exited(session_)) break;
      const int res = fuse_session_receive_buf(session_, &buf);
      if (res == -EINTR || res == -EAGAIN || res == -ENOENT) continue;
      if (res <= 0) {
        // 0: unmounted or aborted (libfuse marked the session exited).
        if (res < 0) spdlog::error("crashfs: reading /dev/fuse: {}", std::strerror(-res));
        fuse_session_exit(session_);
        break;
      }
      ticket = ++next_ticket_;
      if (ordered_ && !(buf.flags & FUSE_BUF_IS_FD) && static_cast<std::size_t>(res) >= sizeof(fuse_in_header)) {
        ordered = is_ordered_opcode(static_cast<const fuse_in_header*>(buf.mem)->opcode);
        if (ordered) order_.enqueue(ticket);
      }
    }
    if (ordered) order_.wait_turn(ticket);
    fuse_session_process_buf(session_, &buf);
    if (ordered) order_.finish(ticket);
  }
  std::free(buf.mem);
  --running_;
}

void RequestLoop::stop() {
  if (threads_.empty()) return;
  fuse_session_exit(session_);
  // A signal can land just before a worker enters read(2): repeat until all left.
  while (running_ > 0) {
    for (auto& t : threads_) {
      if (t.joinable()) pthread_kill(t.native_handle(), SIGUSR1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace crashfs::fusefs
