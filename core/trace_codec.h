// Encoding and decoding of trace records (layout: trace_format.h).
//
// Pure: works on byte buffers; file I/O belongs to the callers (the
// recorder appends the encoded bytes, the CLI maps the trace file).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/trace_record.h"

namespace crashfs {

// Appends the 16-byte file header.
void encode_file_header(std::string& out);

// Appends the complete frame of `rec` (header + payload).  Fields the record
// type does not carry are ignored.  Precondition: names fit kMaxNameLength
// and data fits kMaxDataChunk (the recorder splits larger writes).
void encode_record(const Record& rec, std::string& out);

// Encodes the frame of `rec` without its trailing `data` bytes into `head`
// (replacing its contents).  The full frame is head followed by rec.data, so
// a writer can writev() the data from where it already is.
void encode_record_head(const Record& rec, std::string& head);

// Sequential reader over a whole trace held in memory.
//
// next() returns false at the end.  Then status() is ok for a clean end,
// including a record torn at the end of the buffer (torn_tail_bytes() says
// how many bytes it dropped), and kCorruption, naming the byte offset, for
// damage before the end.  Arbitrary input never crashes the reader and never
// makes it allocate: records are views into `bytes`.
class TraceReader {
 public:
  explicit TraceReader(std::string_view bytes);

  bool next(Record& out);

  const Status& status() const { return status_; }
  // Offset of the next record to read (after a false next(): where reading stopped).
  std::uint64_t offset() const { return offset_; }
  // The torn tail is the bytes [offset(), offset() + torn_tail_bytes()),
  // the end of the buffer (a trace cut inside its file header: all of it).
  std::uint64_t torn_tail_bytes() const { return torn_tail_bytes_; }
  std::uint32_t version() const { return version_; }

 private:
  bool fail(std::string message);

  std::string_view bytes_;
  std::uint64_t offset_ = 0;
  std::uint64_t torn_tail_bytes_ = 0;
  std::uint32_t version_ = 0;
  bool done_ = false;
  Status status_;
};

// Decodes one payload (the bytes after a frame header) into `out`.
Status decode_payload(RecordType type, std::string_view payload, Record& out);

}  // namespace crashfs
