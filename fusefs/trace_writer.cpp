#include "fusefs/trace_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "core/trace_codec.h"
#include "core/trace_format.h"

namespace crashfs::fusefs {

std::int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

TraceWriter::~TraceWriter() { close(); }

Status TraceWriter::open(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    return Status::io_error(fmt::format("cannot create trace file {}: {} (choose a writable path with --trace)", path,
                                        std::strerror(errno)));
  }
  struct stat st {};
  if (fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    return Status::invalid_argument(fmt::format("trace file {} is not a regular file (choose another --trace)", path));
  }
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  std::string header;
  encode_file_header(header);
  return write_all(header.data(), header.size(), nullptr, 0);
}

Status TraceWriter::write_all(const char* head, std::size_t head_len, const char* data, std::size_t data_len) {
  iovec iov[2] = {{const_cast<char*>(head), head_len}, {const_cast<char*>(data), data_len}};
  int iovcnt = data_len > 0 ? 2 : 1;
  iovec* v = iov;
  std::size_t left = head_len + data_len;
  while (left > 0) {
    const ssize_t n = ::writev(fd_, v, iovcnt);
    if (n < 0) {
      if (errno == EINTR) continue;
      failure_ = Status::io_error(
          fmt::format("cannot append to trace file {}: {} (free space or choose another --trace)", path_,
                      std::strerror(errno)));
      return failure_;
    }
    auto done = static_cast<std::size_t>(n);
    left -= done;
    bytes_ += done;
    // Partial write: skip what went out and retry with the rest.
    while (iovcnt > 0 && done >= v->iov_len) {
      done -= v->iov_len;
      ++v;
      --iovcnt;
    }
    if (iovcnt > 0) {
      v->iov_base = static_cast<char*>(v->iov_base) + done;
      v->iov_len -= done;
    }
  }
  return Status::ok();
}

Status TraceWriter::append(Record& rec) {
  if (!failure_) return failure_;
  if (fd_ < 0) {
    failure_ = Status::io_error("trace file is not open");
    return failure_;
  }
  rec.seq = next_seq_;
  if (rec.time_ns == 0) rec.time_ns = realtime_ns();
  encode_record_head(rec, head_);
  const bool has_data = (kRecordFields[static_cast<int>(rec.type)] & kFData) != 0;
  const std::size_t data_len = has_data ? rec.data.size() : 0;
  const std::size_t total = head_.size() + data_len;
  if (buffer_.size() + total > kBufferBytes) {
    if (Status st = flush(); !st) return st;
  }
  if (total <= kBufferBytes) {
    if (buffer_.capacity() < kBufferBytes) buffer_.reserve(kBufferBytes);
    buffer_ += head_;
    if (data_len > 0) buffer_.append(rec.data.data(), data_len);
  } else if (Status st = write_all(head_.data(), head_.size(), has_data ? rec.data.data() : nullptr, data_len); !st) {
    return st;
  }
  ++next_seq_;
  ++records_;
  return Status::ok();
}

Status TraceWriter::flush() {
  if (!failure_) return failure_;
  if (buffer_.empty() || fd_ < 0) return Status::ok();
  Status st = write_all(buffer_.data(), buffer_.size(), nullptr, 0);
  buffer_.clear();
  return st;
}

Status TraceWriter::close() {
  if (fd_ < 0) return Status::ok();
  const Status flushed = flush();
  const int rc = ::close(fd_);
  fd_ = -1;
  if (!flushed) return flushed;
  if (rc != 0) return Status::io_error(fmt::format("closing trace file {}: {}", path_, std::strerror(errno)));
  return Status::ok();
}

}  // namespace crashfs::fusefs
