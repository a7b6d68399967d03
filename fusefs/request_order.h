// RequestOrder: mutating requests are served in the order the kernel queued them.
//
// Why: the kernel queues a program's requests in program order, but a
// multithreaded server may run two of them in either order.  The one that
// matters is close(): the kernel sends RELEASE asynchronously, after close(2)
// has already returned, so a RELEASE and the program's next operation (a
// rename of the file it just closed) can race for the Journal lock.  The
// request loop numbers requests as it reads them (one reader at a time, so
// the numbers follow the kernel's queue) and each mutating request waits for
// the older mutating ones before it runs.  Reads, lookups and getattrs stay
// fully parallel.
//
// Thread-safe.  enqueue() is called in ticket order by the reader; every
// enqueued ticket must be finished exactly once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>

namespace crashfs::fusefs {

class RequestOrder {
 public:
  void enqueue(std::uint64_t ticket);
  // Blocks until every older enqueued ticket is finished.
  void wait_turn(std::uint64_t ticket);
  void finish(std::uint64_t ticket);

 private:
  std::mutex mutex_;
  std::condition_variable turn_changed_;
  std::deque<std::uint64_t> queue_;
};

// True for FUSE opcodes whose handler may append a mutation or durability
// record (open and release included: O_TRUNC opens and Release records).
bool is_ordered_opcode(std::uint32_t opcode);

}  // namespace crashfs::fusefs
