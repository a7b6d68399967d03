// TraceWriter: appends encoded records to an open trace file.
//
// Contract:
//  - open() creates (or truncates) the trace, writes the file header and
//    starts the writer thread.
//  - append() numbers the record (seq starts at 1, +1 per record), stamps
//    time_ns (CLOCK_REALTIME) when the caller left it 0, and encodes it
//    into the current buffer (kBufferBytes; a bigger record gets a buffer
//    of its own).  A full buffer is handed to the writer thread, which
//    writes buffers to the file one at a time, in the order they were
//    handed over.  So the FUSE handler that appends pays a memcpy, not a
//    write(2): the file-system work of the trace runs on another core
//    (recording 256 MiB of 1 MiB writes cost 1.4x a plain passthrough with
//    the write(2) inline, scripts/bench.sh dd-1m).
//  - Memory is bounded: when kMaxQueuedBytes are waiting for the writer,
//    append() waits for it (the workload slows to the disk's pace).
//  - push() hands the current buffer over without waiting; `crashfs record`
//    calls it every 200 ms.  flush() hands it over and waits until every
//    record appended so far is written.  close() flushes, stops the thread
//    and closes the file.  A kill -9 of crashfs loses the records of the
//    last 200 ms and what the writer had not written yet; the file stays
//    readable (a torn tail is a clean end for the reader).
//  - append(), push(), flush() and close() are called by one thread at a
//    time (the Journal's mutation lock, which also makes trace order equal
//    backing-store order); the writer thread is internal.
//  - After the first failed write the writer stays failed: the trace would
//    have a hole, so every later append fails too and failure() says why
//    (the trace's path, the error, what to do).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "core/trace_record.h"

namespace crashfs::fusefs {

class TraceWriter {
 public:
  static constexpr std::size_t kBufferBytes = 1 << 20;
  static constexpr std::size_t kMaxQueuedBytes = 32 << 20;

  TraceWriter() = default;
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Creates or truncates `path`, writes the file header, starts the writer.
  Status open(const std::string& path);
  // Appends `rec` (seq assigned here; rec.seq is updated).  Records whose
  // data exceeds kMaxDataChunk must be split by the caller.
  Status append(Record& rec);
  // Hands the buffered records to the writer thread; does not wait.
  Status push();
  // Writes out every record appended so far (waits for the writer).
  Status flush();
  // Flushes, stops the writer and closes the file; the trace stays
  // readable whatever happened before.
  Status close();

  // Safe to read from any thread (a status report while handlers append).
  std::uint64_t records() const { return records_.load(std::memory_order_relaxed); }
  // Bytes written to the file so far.
  std::uint64_t bytes() const { return bytes_.load(); }
  const Status& failure() const;
  // (st_dev, st_ino) of the trace file, so the file system can hide it.
  std::uint64_t dev() const { return dev_; }
  std::uint64_t ino() const { return ino_; }

 private:
  // Moves current_ to the queue (waiting while the queue is full).
  void hand_over();
  void writer_loop();
  Status write_all(const char* data, std::size_t len);  // writer thread (and open)
  void fail(Status st);                                 // writer thread

  int fd_ = -1;
  std::string path_;
  Seq next_seq_ = 1;
  std::atomic<std::uint64_t> records_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::uint64_t dev_ = 0;
  std::uint64_t ino_ = 0;
  std::string head_;     // reused encode buffer
  std::string current_;  // encoded records not handed over yet

  // Shared with the writer thread, under mutex_.
  std::mutex mutex_;
  std::condition_variable work_;      // writer: queue not empty, or stopping
  std::condition_variable progress_;  // appenders and flush: a buffer was written
  std::deque<std::string> queue_;
  std::vector<std::string> spare_;  // written buffers kept for reuse
  std::size_t queued_bytes_ = 0;
  std::uint64_t handed_over_ = 0;  // buffers handed over so far
  std::uint64_t written_ = 0;      // of them, written (or dropped after a failure)
  bool stopping_ = false;
  std::thread thread_;

  // Set once by the writer thread, before failed_ (then never changed).
  Status failure_;
  std::atomic<bool> failed_{false};
};

// CLOCK_REALTIME now, in nanoseconds.
std::int64_t realtime_ns();

}  // namespace crashfs::fusefs
