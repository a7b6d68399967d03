// Opening paths that come from a trace without ever leaving a directory.
//
// Names in a trace are untrusted.  These helpers resolve a '/'-separated
// relative path one component at a time with openat(O_NOFOLLOW) from a
// directory fd: no component may be empty, "." or "..", and no symlink is
// followed, so the result is always beneath the starting directory.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace crashfs::host {

// A name that can be created inside a directory: not empty, not "." or
// "..", no '/' and no NUL.
bool is_plain_name(std::string_view name);

// Opens the directory at `path` beneath `dirfd` ("" = dirfd itself, duplicated).
Status open_dir_beneath(int dirfd, std::string_view path, int& out_fd);

// Opens the parent directory of `path` beneath `dirfd` and returns the last
// component in `name`.
Status open_parent_beneath(int dirfd, std::string_view path, int& out_fd, std::string& name);

// RAII for a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace crashfs::host
