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
#include "fusefs/request_kind.h"

namespace crashfs::fusefs {
namespace {

void on_wakeup(int) {}  // only interrupts read(2)

}  // namespace

RequestLoop::RequestLoop(fuse_session* session, int threads) : session_(session), thread_count_(threads) {}

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
  std::unique_lock leader(leader_, std::defer_lock);
  while (!fuse_session_exited(session_)) {
    if (!leader.owns_lock()) leader.lock();
    if (fuse_session_exited(session_)) break;
    const int res = fuse_session_receive_buf(session_, &buf);
    if (res == -EINTR || res == -EAGAIN || res == -ENOENT) continue;
    if (res <= 0) {
      // 0: unmounted or aborted (libfuse marked the session exited).
      if (res < 0) spdlog::error("crashfs: reading /dev/fuse: {}", std::strerror(-res));
      fuse_session_exit(session_);
      break;
    }
    const bool serialized = !(buf.flags & FUSE_BUF_IS_FD) && static_cast<std::size_t>(res) >= sizeof(fuse_in_header) &&
                            is_serialized_opcode(static_cast<const fuse_in_header*>(buf.mem)->opcode);
    // A serialized request keeps the leadership until it is served; any
    // other request lets the next worker read while it runs.
    if (!serialized) leader.unlock();
    fuse_session_process_buf(session_, &buf);
  }
  if (leader.owns_lock()) leader.unlock();
  std::free(buf.mem);
  --running_;
}

void RequestLoop::stop() {
  if (threads_.empty()) return;
  fuse_session_exit(session_);
  // A signal can land just before a worker enters read(2): repeat until all left.
  while (running_ > 0) {
    for (auto& t : threads_) pthread_kill(t.native_handle(), SIGUSR1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace crashfs::fusefs
