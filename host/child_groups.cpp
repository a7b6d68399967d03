#include "host/child_groups.h"

#include <limits.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace crashfs::host {
namespace {

std::atomic<pid_t> g_groups[kMaxChildGroups];
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

// Directories to remove: a slot is claimed (kClaimed), filled, then
// published (kReady); the handler only reads published ones.
enum DirSlot : int { kFree = 0, kClaimed = 1, kReady = 2 };
std::atomic<int> g_dir_state[kMaxRemovedDirs];
char g_dirs[kMaxRemovedDirs][PATH_MAX];

extern "C" void kill_groups_then_die(int sig) {
  for (auto& g : g_groups) {
    const pid_t pgid = g.load(std::memory_order_relaxed);
    if (pgid > 0) kill(-pgid, SIGKILL);
  }
  for (std::size_t i = 0; i < kMaxRemovedDirs; ++i) {
    if (g_dir_state[i].load(std::memory_order_acquire) != kReady) continue;
    if (std::strstr(g_dirs[i], "/crashfs-") == nullptr) continue;  // only ever our scratch directories
    // _Fork: fork without atfork handlers, async-signal-safe.
    if (_Fork() == 0) {
      char* const argv[] = {const_cast<char*>("rm"), const_cast<char*>("-rf"), const_cast<char*>("--"), g_dirs[i], nullptr};
      char* const envp[] = {nullptr};
      execve("/bin/rm", argv, envp);
      _exit(127);
    }
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

RemovedOnSignal::RemovedOnSignal(const std::string& path) {
  if (path.empty() || path.front() != '/' || path.size() >= PATH_MAX) return;
  install_once();
  for (std::size_t i = 0; i < kMaxRemovedDirs; ++i) {
    int expected = kFree;
    if (g_dir_state[i].compare_exchange_strong(expected, kClaimed)) {
      std::memcpy(g_dirs[i], path.c_str(), path.size() + 1);
      g_dir_state[i].store(kReady, std::memory_order_release);
      slot_ = static_cast<int>(i);
      return;
    }
  }
}

RemovedOnSignal::~RemovedOnSignal() {
  if (slot_ >= 0) g_dir_state[slot_].store(kFree, std::memory_order_release);
}

}  // namespace crashfs::host
