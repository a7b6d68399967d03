// TraceWriter: appends encoded records to an open trace file.
//
// Contract:
//  - open() creates (or truncates) the trace and writes the file header.
//  - append() numbers the record (seq starts at 1, +1 per record), stamps
//    time_ns (CLOCK_REALTIME) when the caller left it 0, and encodes it
//    into a user-space buffer of kBufferBytes; a record that does not fit
//    goes out with one writev() (head plus rec.data straight from where the
//    caller holds it, no extra copy) after the buffer.  Buffering saves a
//    write(2) per operation, a third of the recording cost of small writes.
//  - flush() writes the buffer out; `crashfs record` calls it every 200 ms
//    and close() at the end, so a kill -9 of crashfs loses at most the last
//    200 ms of records (the workload loses its file system with it) and the
//    file stays readable: a torn tail is a clean end for the reader.
//  - Not thread-safe: the caller serializes appends (the Journal's mutation
//    lock), which is also what makes trace order equal backing-store order.
//  - After the first failed append the writer stays failed: the trace would
//    have a hole, so every later append fails too and failure() says why.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "core/trace_record.h"

namespace crashfs::fusefs {

class TraceWriter {
 public:
  TraceWriter() = default;
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Creates or truncates `path` and writes the file header.
  Status open(const std::string& path);
  // Appends `rec` (seq assigned here; rec.seq is updated).  Records whose
  // data exceeds kMaxDataChunk must be split by the caller.
  Status append(Record& rec);
  // Writes out the buffered records.
  Status flush();
  // Closes the file; the trace stays readable whatever happened before.
  Status close();

  std::uint64_t records() const { return records_; }
  std::uint64_t bytes() const { return bytes_; }
  const Status& failure() const { return failure_; }
  // (st_dev, st_ino) of the trace file, so the file system can hide it.
  std::uint64_t dev() const { return dev_; }
  std::uint64_t ino() const { return ino_; }

 private:
  static constexpr std::size_t kBufferBytes = 256 * 1024;

  Status write_all(const char* head, std::size_t head_len, const char* data, std::size_t data_len);

  int fd_ = -1;
  std::string path_;
  Seq next_seq_ = 1;
  std::uint64_t records_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t dev_ = 0;
  std::uint64_t ino_ = 0;
  std::string head_;    // reused encode buffer
  std::string buffer_;  // encoded records not written yet
  Status failure_;
};

// CLOCK_REALTIME now, in nanoseconds.
std::int64_t realtime_ns();

}  // namespace crashfs::fusefs
