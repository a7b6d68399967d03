#include "host/directory_base_content.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace crashfs::host {

Status DirectoryBaseContent::open(const std::string& dir) {
  dir_ = dir;
  fd_ = Fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd_) return Status::not_found(fmt::format("cannot open base directory {}: {}", dir, std::strerror(errno)));
  return Status::ok();
}

Status open_state_base(const std::string& recorded_dir, const std::string& explicit_dir,
                       std::unique_ptr<DirectoryBaseContent>& out) {
  out.reset();
  const std::string& dir = explicit_dir.empty() ? recorded_dir : explicit_dir;
  if (dir.empty()) return Status::ok();
  auto base = std::make_unique<DirectoryBaseContent>();
  if (Status st = base->open(dir); !st) {
    if (!explicit_dir.empty()) return Status::invalid_argument(st.message() + " (--base)");
    return Status::ok();  // the recorded directory is gone
  }
  out = std::move(base);
  return Status::ok();
}

Status DirectoryBaseContent::read(std::string_view path, std::string_view& out) {
  auto fail = [&](std::string why) {
    return Status::not_found(fmt::format("base content: cannot read '{}' in {}: {}", path, dir_, why));
  };
  int parent_fd = -1;
  std::string name;
  if (Status st = open_parent_beneath(fd_.get(), path, parent_fd, name); !st) return fail(st.message());
  Fd parent(parent_fd);
  struct stat st {};
  if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail(std::strerror(errno));
  std::string bytes;
  if (S_ISLNK(st.st_mode)) {
    bytes.resize(static_cast<std::size_t>(st.st_size) + 1);
    const ssize_t n = ::readlinkat(parent.get(), name.c_str(), bytes.data(), bytes.size());
    if (n < 0) return fail(std::strerror(errno));
    bytes.resize(static_cast<std::size_t>(n));
  } else if (S_ISREG(st.st_mode)) {
    Fd file(::openat(parent.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!file) return fail(std::strerror(errno));
    bytes.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::pread(file.get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(std::strerror(errno));
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    bytes.resize(done);
  } else {
    return fail("not a regular file or symlink");
  }
  contents_.push_back(std::move(bytes));
  out = contents_.back();
  return Status::ok();
}

}  // namespace crashfs::host
