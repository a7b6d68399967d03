#include "host/scratch_dir.h"

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
  removed_on_signal_ = std::make_unique<RemovedOnSignal>(path_);
  return Status::ok();
}

}  // namespace crashfs::host
