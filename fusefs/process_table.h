// ProcessTable: who made a FUSE request.
//
// FUSE tells the file system the kernel thread id of the caller (ctx->pid).
// A trace record wants the process (thread group) id, the thread id and the
// command name.  identify(tid) reads /proc/<tid>/status once per thread and
// caches the answer; an entry older than kRefreshAfter is read again, which
// notices an exec (new comm under the same pid) and a recycled thread id
// without paying a /proc read per request.  A thread that already exited is
// reported as its own process with comm "?".
//
// Thread-safe (internal mutex); never call it while holding the Journal's
// mutation lock, /proc reads are slow.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace crashfs::fusefs {

struct Caller {
  std::uint32_t pid = 0;  // thread group id; 0 = the kernel itself (release, writeback)
  std::uint32_t tid = 0;
  std::shared_ptr<const std::string> comm;  // never null once identified
};

class ProcessTable {
 public:
  static constexpr std::chrono::milliseconds kRefreshAfter{100};

  Caller identify(std::uint32_t tid);

 private:
  struct Entry {
    Caller caller;
    std::chrono::steady_clock::time_point read_at;
  };
  std::mutex mutex_;
  std::unordered_map<std::uint32_t, Entry> by_tid_;
};

// Parses the Tgid and Name lines of a /proc/<tid>/status text (exposed for tests).
bool parse_proc_status(const std::string& text, std::uint32_t& tgid, std::string& name);

}  // namespace crashfs::fusefs
