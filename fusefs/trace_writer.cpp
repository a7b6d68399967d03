#include "fusefs/trace_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "core/trace_codec.h"
#include "core/trace_format.h"

namespace crashfs::fusefs {
namespace {

constexpr std::size_t kSpareBuffers = 4;

}  // namespace

std::int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

TraceWriter::~TraceWriter() { close(); }

const Status& TraceWriter::failure() const {
  static const Status no_failure = Status::ok();
  return failed_.load(std::memory_order_acquire) ? failure_ : no_failure;
}

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
  if (Status written = write_all(header.data(), header.size()); !written) {
    fail(written);
    return written;
  }
  current_.reserve(kBufferBytes);
  thread_ = std::thread([this] { writer_loop(); });
  return Status::ok();
}

Status TraceWriter::write_all(const char* data, std::size_t len) {
  while (len > 0) {
    const ssize_t n = ::write(fd_, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::io_error(fmt::format("cannot append to trace file {}: {} (free space or choose another --trace)",
                                          path_, std::strerror(errno)));
    }
    data += n;
    len -= static_cast<std::size_t>(n);
    bytes_ += static_cast<std::uint64_t>(n);
  }
  return Status::ok();
}

void TraceWriter::fail(Status st) {
  if (failed_.load(std::memory_order_relaxed)) return;
  failure_ = std::move(st);
  failed_.store(true, std::memory_order_release);
}

void TraceWriter::writer_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, and everything is written
    std::string buf = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    if (!failed_.load(std::memory_order_relaxed)) {
      if (Status st = write_all(buf.data(), buf.size()); !st) fail(std::move(st));
    }
    lock.lock();
    queued_bytes_ -= buf.size();
    ++written_;
    if (spare_.size() < kSpareBuffers && buf.capacity() <= 2 * kBufferBytes) {
      buf.clear();
      spare_.push_back(std::move(buf));
    }
    progress_.notify_all();
  }
}

void TraceWriter::hand_over() {
  if (current_.empty()) return;
  std::string next;
  {
    std::unique_lock lock(mutex_);
    // Backpressure: the workload waits for the disk rather than crashfs
    // growing without bound.  A failed writer drops buffers, so never waits.
    progress_.wait(lock, [this] { return queued_bytes_ < kMaxQueuedBytes || failed_.load(); });
    queued_bytes_ += current_.size();
    queue_.push_back(std::move(current_));
    ++handed_over_;
    if (!spare_.empty()) {
      next = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  work_.notify_one();
  if (next.capacity() < kBufferBytes) next.reserve(kBufferBytes);
  current_ = std::move(next);
}

Status TraceWriter::append(Record& rec) {
  if (failed_.load(std::memory_order_acquire)) return failure_;
  if (fd_ < 0) return Status::io_error("trace file is not open");
  rec.seq = next_seq_;
  if (rec.time_ns == 0) rec.time_ns = realtime_ns();
  encode_record_head(rec, head_);
  const bool has_data = (kRecordFields[static_cast<int>(rec.type)] & kFData) != 0;
  const std::size_t data_len = has_data ? rec.data.size() : 0;
  const std::size_t total = head_.size() + data_len;
  if (current_.size() + total > kBufferBytes) hand_over();
  // A record bigger than kBufferBytes makes current_ (empty now) grow to
  // its size and is handed over on its own.
  current_ += head_;
  if (data_len > 0) current_.append(rec.data.data(), data_len);
  if (current_.size() >= kBufferBytes) hand_over();
  ++next_seq_;
  records_.fetch_add(1, std::memory_order_relaxed);
  return Status::ok();
}

Status TraceWriter::push() {
  if (failed_.load(std::memory_order_acquire)) return failure_;
  if (thread_.joinable()) hand_over();
  return Status::ok();
}

Status TraceWriter::flush() {
  if (failed_.load(std::memory_order_acquire)) return failure_;
  if (!thread_.joinable()) return Status::ok();
  hand_over();
  std::unique_lock lock(mutex_);
  const std::uint64_t target = handed_over_;
  progress_.wait(lock, [&] { return written_ >= target; });
  lock.unlock();
  return failure();
}

Status TraceWriter::close() {
  if (fd_ < 0) return failure();
  (void)flush();
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_.notify_one();
    thread_.join();
  }
  const int rc = ::close(fd_);
  fd_ = -1;
  if (failed_.load(std::memory_order_acquire)) return failure_;
  if (rc != 0) return Status::io_error(fmt::format("closing trace file {}: {}", path_, std::strerror(errno)));
  return Status::ok();
}

}  // namespace crashfs::fusefs
