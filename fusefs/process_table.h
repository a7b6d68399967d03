// ProcessTable: who made a FUSE request.
//
// FUSE tells the file system the kernel thread id of the caller (ctx->pid).
// A trace record wants the process (thread group) id, the thread id and the
// command name.  identify(tid) reads /proc/<tid>/status once per thread and
// caches the answer.  An exec changes the command name under the same pid,
// often within a millisecond of the fork (a shell that opens a redirection,
// then execs the program), so every call checks it: one pread(2) of
// /proc/<tid>/comm through a descriptor kept open per thread (under 1 us,
// against the tens of microseconds of a FUSE round trip).  The status is
// read again when the name changed, the thread is gone (a recycled thread
// id), or the entry is older than kRefreshAfter.  A thread that already
// exited is reported as its own process with comm "?".
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

  ProcessTable() = default;
  ProcessTable(const ProcessTable&) = delete;
  ProcessTable& operator=(const ProcessTable&) = delete;
  ~ProcessTable();

  Caller identify(std::uint32_t tid);

 private:
  static constexpr std::size_t kSweepAbove = 512;  // entries; then dead threads are dropped

  struct Entry {
    Caller caller;
    std::chrono::steady_clock::time_point read_at;
    int comm_fd = -1;  // /proc/<tid>/comm, kept open
  };
  // The current name of the thread through entry.comm_fd; false if it is gone.
  static bool current_comm(Entry& entry, std::string& name);
  void sweep_dead_threads();  // mutex_ held

  std::mutex mutex_;
  std::unordered_map<std::uint32_t, Entry> by_tid_;
};

// Parses the Tgid and Name lines of a /proc/<tid>/status text (exposed for tests).
bool parse_proc_status(const std::string& text, std::uint32_t& tgid, std::string& name);

}  // namespace crashfs::fusefs
