#include "fusefs/output_nodes.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace crashfs::fusefs {

void OutputNodes::enable(int stdout_fd, int stderr_fd) {
  enabled_ = true;
  streams_[0].fd = stdout_fd;
  streams_[1].fd = stderr_fd;
  uid_ = geteuid();
  gid_ = getegid();
  clock_gettime(CLOCK_REALTIME, &started_);
}

std::uint32_t OutputNodes::stream_named(const char* name) const {
  if (!enabled_ || name[0] != '.' || std::strncmp(name, ".crashfs-std", 12) != 0) return 0;
  if (std::strcmp(name, kStdoutName) == 0) return kOutputStdout;
  if (std::strcmp(name, kStderrName) == 0) return kOutputStderr;
  return 0;
}

struct stat OutputNodes::attributes(std::uint32_t s) const {
  struct stat st {};
  st.st_ino = output_node_of(s);
  st.st_mode = S_IFREG | 0622;
  st.st_nlink = 1;
  st.st_uid = uid_;
  st.st_gid = gid_;
  st.st_size = static_cast<off_t>(streams_[s == kOutputStderr ? 1 : 0].size.load(std::memory_order_relaxed));
  st.st_blksize = 4096;
  st.st_atim = st.st_mtim = st.st_ctim = started_;
  return st;
}

void OutputNodes::forward(std::uint32_t s, std::string_view bytes) {
  Stream* out = stream(s);
  if (out == nullptr) return;
  out->size.fetch_add(bytes.size(), std::memory_order_relaxed);
  if (out->fd < 0 || out->broken.load(std::memory_order_relaxed)) return;
  while (!bytes.empty()) {
    const ssize_t n = ::write(out->fd, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // crashfs's own stdout is non-blocking (someone set O_NONBLOCK on a
      // shared pipe): wait until it takes bytes again, as a blocking write would.
      pollfd p{out->fd, POLLOUT, 0};
      (void)::poll(&p, 1, -1);
      continue;
    }
    const int err = n < 0 ? errno : EIO;
    out->broken.store(true);
    // FUSE worker threads block every signal, so a closed pipe gives EPIPE
    // here instead of killing crashfs.
    spdlog::warn("crashfs: cannot pass the workload's {} on to crashfs's own ({}): from now on it is only recorded "
                 "in the trace",
                 s == kOutputStdout ? "stdout" : "stderr", std::strerror(err));
    return;
  }
}

}  // namespace crashfs::fusefs
