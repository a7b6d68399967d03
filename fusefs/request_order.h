// RequestOrder: mutating FUSE requests run in the order the kernel queued
// them, while every worker thread reads /dev/fuse at once.
//
// Why order: the kernel queues a program's requests in program order, but a
// multithreaded server may run two of them in either order.  close() is the
// case that bites: the kernel sends RELEASE asynchronously, after close(2)
// has returned, so a RELEASE and the program's next request (the rename of
// the file it just closed) would race for the trace.
//
// Why not one reader at a time: with a single thread asleep in read(2), each
// request costs a cross-CPU wake-up of that thread, and small-write
// workloads ran 2.5x slower than libfuse's own loop (scripts/bench.sh).
// With every worker asleep in read(2), as in libfuse's loop, the kernel
// wakes one near the caller.
//
// How, without a reader lock: the kernel numbers requests (the `unique` of
// fuse_in_header) as it queues them, in steps of 2 (odd numbers are
// interrupts), and hands them out oldest first.  So when a worker holds
// request u, every request numbered below u was already handed to some
// worker, unless it was withdrawn unread (its caller got a fatal signal).
// Workers report each request as soon as read(2) returns (arrive()); a
// mutating request waits (wait_turn()) until every number below it has
// arrived and every older mutating request has finished (finish()).
// A number that does not arrive is a gap: once it has been missing for
// `gap_grace` and `may_hold_unreported()` says no worker can be holding an
// unreported request (none is reporting one, and every worker still reading
// is asleep in the kernel),
// it is taken as withdrawn.
//
// Thread-safe.  The first arrive() must be the INIT request: its number
// starts the sequence and tells the step (2, or 1 on kernels before 4.20).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <vector>

namespace crashfs::fusefs {

class RequestOrder {
 public:
  // `may_hold_unreported`: whether some worker may hold a request it has not
  // reported yet (called rarely, with the internal lock held).
  explicit RequestOrder(std::function<bool()> may_hold_unreported,
                        std::chrono::milliseconds gap_grace = std::chrono::milliseconds(2));

  // A worker read request `unique`; `serialized` if it must wait its turn.
  void arrive(std::uint64_t unique, bool serialized);
  // Blocks until request `unique` (arrived, serialized) may run.
  void wait_turn(std::uint64_t unique);
  // The serialized request `unique` is done (its record is in the trace).
  void finish(std::uint64_t unique);
  // Releases every waiter for good (the session is ending).
  void stop();

  // Numbers taken as withdrawn so far (for tests and the debug log).
  std::uint64_t withdrawn() const;

 private:
  bool may_run(std::uint64_t unique) const;  // lock held
  void advance();                            // lock held: moves next_missing_ past arrived numbers

  std::function<bool()> may_hold_unreported_;
  std::chrono::milliseconds gap_grace_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool started_ = false;
  bool stopped_ = false;
  std::uint64_t step_ = 2;
  std::uint64_t next_missing_ = 0;  // every number below it arrived or was withdrawn
  std::chrono::steady_clock::time_point missing_since_;
  // Arrived numbers above next_missing_ (out of order; usually empty).
  std::set<std::uint64_t> arrived_ahead_;
  // Arrived serialized requests not finished, ascending.  A sorted vector,
  // not a set: it rarely holds more than the worker count, and the common
  // insert (the newest number) and erase (the oldest) then allocate nothing.
  std::vector<std::uint64_t> serialized_;
  std::uint64_t withdrawn_ = 0;
};

}  // namespace crashfs::fusefs
