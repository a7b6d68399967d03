#include "host/child_groups.h"

#include <signal.h>

#include <atomic>
#include <mutex>

namespace crashfs::host {
namespace {

std::atomic<pid_t> g_groups[kMaxChildGroups];
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void kill_groups_then_die(int sig) {
  for (auto& g : g_groups) {
    const pid_t pgid = g.load(std::memory_order_relaxed);
    if (pgid > 0) kill(-pgid, SIGKILL);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

void install_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : kSignals) {
      struct sigaction old {};
      if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;  // keep the caller's
      struct sigaction sa {};
      sa.sa_handler = kill_groups_then_die;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = SA_RESETHAND;
      sigaction(sig, &sa, nullptr);
    }
  });
}

}  // namespace

ChildGroup::ChildGroup(pid_t pgid) {
  install_once();
  for (std::size_t i = 0; i < kMaxChildGroups; ++i) {
    pid_t expected = 0;
    if (g_groups[i].compare_exchange_strong(expected, pgid)) {
      slot_ = static_cast<int>(i);
      return;
    }
  }
}

ChildGroup::~ChildGroup() {
  if (slot_ >= 0) g_groups[slot_].store(0);
}

}  // namespace crashfs::host
