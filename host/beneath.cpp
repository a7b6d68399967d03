#include "host/beneath.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace crashfs::host {

bool is_plain_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Status open_dir_beneath(int dirfd, std::string_view path, int& out_fd) {
  int cur = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (cur < 0) return Status::io_error(fmt::format("cannot duplicate a directory descriptor: {}", std::strerror(errno)));
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string name(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    if (!is_plain_name(name)) {
      ::close(cur);
      return Status::invalid_argument(fmt::format("refusing path component '{}' (empty, '.' or '..')", name));
    }
    const int next = ::openat(cur, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int err = errno;
    ::close(cur);
    if (next < 0) {
      return Status::not_found(fmt::format("cannot open directory '{}': {}", name,
                                           err == ELOOP ? "it is a symlink (not followed)" : std::strerror(err)));
    }
    cur = next;
  }
  out_fd = cur;
  return Status::ok();
}

Status open_parent_beneath(int dirfd, std::string_view path, int& out_fd, std::string& name) {
  const auto slash = path.rfind('/');
  name = std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
  if (!is_plain_name(name)) return Status::invalid_argument(fmt::format("refusing file name '{}'", name));
  return open_dir_beneath(dirfd, slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash), out_fd);
}

}  // namespace crashfs::host
