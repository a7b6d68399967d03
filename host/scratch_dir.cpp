#include "host/scratch_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

namespace crashfs::host {

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Status ScratchDir::create(std::string_view purpose) {
  std::string base = "/dev/shm";
  if (access(base.c_str(), W_OK) != 0) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp && *tmp ? tmp : "/tmp";
  }
  std::string templ = fmt::format("{}/crashfs-{}-XXXXXX", base, purpose);
  if (mkdtemp(templ.data()) == nullptr) {
    return Status::io_error(fmt::format("cannot create a scratch directory under {}: {} (set TMPDIR to a writable directory)",
                                        base, std::strerror(errno)));
  }
  path_ = templ;
  return Status::ok();
}

Status ScratchDir::write_file(std::string_view name, std::string_view bytes) const {
  const std::string path = fmt::format("{}/{}", path_, name);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return Status::io_error(fmt::format("cannot create scratch file {}: {}", path, std::strerror(errno)));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::io_error(fmt::format("cannot write scratch file {}: {}", path, std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return Status::ok();
}

void ScratchDir::clear() const {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path_, ec)) std::filesystem::remove_all(entry.path(), ec);
}

Status make_scratch_dir(std::string_view purpose, std::unique_ptr<ScratchSpace>& out) {
  auto dir = std::make_unique<ScratchDir>();
  if (Status st = dir->create(purpose); !st) return st;
  out = std::move(dir);
  return Status::ok();
}

}  // namespace crashfs::host
