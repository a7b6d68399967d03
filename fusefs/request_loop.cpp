#include "fusefs/request_loop.h"

#include <linux/fuse.h>
#include <pthread.h>
#include <signal.h>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

#include "fusefs/fuse_api.h"
#include "fusefs/request_kind.h"

namespace crashfs::fusefs {
namespace {

void on_wakeup(int) {}  // only interrupts read(2)

// The scheduler state letter of one of our threads ('S': asleep), or 0.
char thread_state(pid_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(tid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[512];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* paren = std::strrchr(buf, ')');  // the command name may hold spaces and parentheses
  return paren != nullptr && paren[1] == ' ' ? paren[2] : 0;
}

}  // namespace

RequestLoop::RequestLoop(fuse_session* session, int threads)
    : session_(session), thread_count_(threads), order_([this] { return some_reader_is_awake(); }) {}

bool RequestLoop::some_reader_is_awake() const {
  for (const auto& w : workers_) {
    const int phase = w->phase;
    if (phase == kReporting) return true;
    if (phase != kReading) continue;
    const pid_t tid = w->tid;
    // Not yet started (tid 0) counts as awake: it may be about to read.
    if (tid == 0 || thread_state(tid) != 'S') return true;
  }
  return false;
}

RequestLoop::~RequestLoop() { stop(); }

void RequestLoop::start() {
  struct sigaction sa {};
  sa.sa_handler = on_wakeup;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART
  sigaction(SIGUSR1, &sa, nullptr);
  running_ = thread_count_;
  for (int i = 0; i < thread_count_; ++i) workers_.push_back(std::make_unique<Worker>());
  for (auto& w : workers_) threads_.emplace_back([this, &w = *w] { work(w); });
}

void RequestLoop::work(Worker& self) {
  self.tid = static_cast<pid_t>(::syscall(SYS_gettid));
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  sigset_t wake;
  sigemptyset(&wake);
  sigaddset(&wake, SIGUSR1);
  pthread_sigmask(SIG_UNBLOCK, &wake, nullptr);

  fuse_buf buf{};
  while (!fuse_session_exited(session_)) {
    self.phase = kReading;
    const int res = fuse_session_receive_buf(session_, &buf);
    // Nothing between read(2) returning and this store can sleep.
    self.phase = kReporting;
    if (res == -EINTR || res == -EAGAIN || res == -ENOENT) {
      self.phase = kBusy;
      continue;
    }
    if (res <= 0) {
      self.phase = kBusy;
      // 0: unmounted or aborted (libfuse marked the session exited).
      if (res < 0) spdlog::error("crashfs: reading /dev/fuse: {}", std::strerror(-res));
      fuse_session_exit(session_);
      break;
    }
    // Report the request before anything else (request_order.h).
    const fuse_in_header* in = nullptr;
    if (!(buf.flags & FUSE_BUF_IS_FD) && static_cast<std::size_t>(res) >= sizeof(fuse_in_header)) {
      in = static_cast<const fuse_in_header*>(buf.mem);
    }
    const bool tracked = in != nullptr && in->opcode != FUSE_INTERRUPT;
    const bool serialized = tracked && is_serialized_opcode(in->opcode);
    const std::uint64_t unique = tracked ? in->unique : 0;
    if (tracked) order_.arrive(unique, serialized);
    self.phase = kBusy;
    if (serialized) order_.wait_turn(unique);
    fuse_session_process_buf(session_, &buf);
    if (serialized) order_.finish(unique);
  }
  std::free(buf.mem);
  --running_;
}

void RequestLoop::stop() {
  if (threads_.empty()) return;
  fuse_session_exit(session_);
  order_.stop();
  // A signal can land just before a worker enters read(2): repeat until all left.
  while (running_ > 0) {
    for (auto& t : threads_) pthread_kill(t.native_handle(), SIGUSR1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace crashfs::fusefs
