#include "fusefs/killpriv_io.h"

#include <linux/fuse.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>

#include "fusefs/fuse_api.h"

namespace crashfs::fusefs {
namespace {

// The INIT request being answered (0: none), and whether the kernel offered the flag.
std::atomic<std::uint64_t> init_unique{0};
std::atomic<bool> kernel_offers_killpriv_v2{false};

ssize_t read_request(int fd, void* buf, size_t len, void*) {
  const ssize_t n = ::read(fd, buf, len);
  if (n >= static_cast<ssize_t>(sizeof(fuse_in_header) + sizeof(std::uint32_t) * 3)) {
    const auto* in = static_cast<const fuse_in_header*>(buf);
    if (in->opcode == FUSE_INIT) {
      const auto* init = reinterpret_cast<const fuse_init_in*>(in + 1);
      kernel_offers_killpriv_v2 = (init->flags & FUSE_HANDLE_KILLPRIV_V2) != 0;
      init_unique = in->unique;
    }
  }
  return n;
}

ssize_t write_reply(int fd, struct iovec* iov, int count, void*) {
  const std::uint64_t unique = init_unique.load();
  if (unique != 0 && count >= 2 && iov[0].iov_len >= sizeof(fuse_out_header)) {
    const auto* out = static_cast<const fuse_out_header*>(iov[0].iov_base);
    if (out->unique == unique && out->error == 0 &&
        iov[1].iov_len >= offsetof(fuse_init_out, flags) + sizeof(std::uint32_t)) {
      auto* init = static_cast<fuse_init_out*>(iov[1].iov_base);
      if (kernel_offers_killpriv_v2) init->flags |= FUSE_HANDLE_KILLPRIV_V2;
      init_unique = 0;
    }
  }
  return ::writev(fd, iov, count);
}

}  // namespace

bool request_killpriv_v2(fuse_session* session) {
  static const fuse_custom_io io = {write_reply, read_request, nullptr, nullptr};
  const int fd = fuse_session_fd(session);
  return fd >= 0 && fuse_session_custom_io(session, &io, fd) == 0;
}

}  // namespace crashfs::fusefs
