#include "host/replay_to_disk.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "host/beneath.h"

namespace crashfs::host {
namespace {

Status io_error(std::string_view what, std::string_view path) {
  return Status::io_error(fmt::format("{} '{}': {}", what, path, std::strerror(errno)));
}

}  // namespace

Status write_state_to_disk(StateBuilder& builder, const FsImage& image, const ReplayOptions& options,
                           ReplayStats& stats) {
  std::string out = options.out_dir;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  const auto slash = out.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : (slash == 0 ? "/" : out.substr(0, slash));
  const std::string leaf = slash == std::string::npos ? out : out.substr(slash + 1);
  if (!is_plain_name(leaf)) {
    return Status::invalid_argument(fmt::format("--out {}: give a directory path that names a new directory", out));
  }
  Fd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent_fd) {
    return Status::invalid_argument(
        fmt::format("--out {}: its parent directory {} cannot be opened: {}", out, parent, std::strerror(errno)));
  }
  struct stat st {};
  if (::fstatat(parent_fd.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    bool empty = false;
    if (S_ISDIR(st.st_mode)) {
      const Fd fd(::openat(parent_fd.get(), leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      std::vector<std::string> names;
      empty = fd && entry_names(fd.get(), names) && names.empty();
    }
    if (!empty) {
      return Status::invalid_argument(
          fmt::format("--out {} already exists and is not an empty directory: choose a new path or remove it", out));
    }
  }

  std::string tmp = fmt::format("{}/.{}.crashfs-XXXXXX", parent, leaf);
  if (::mkdtemp(tmp.data()) == nullptr) {
    return Status::io_error(fmt::format("cannot create a temporary directory next to {}: {}", out, std::strerror(errno)));
  }
  const std::string tmp_name = tmp.substr(tmp.rfind('/') + 1);
  Fd root(::openat(parent_fd.get(), tmp_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  Status status = root ? Status::ok() : io_error("cannot open", tmp);
  if (status) {
    TreeSource source;
    source.builder = &builder;
    source.base_fd = options.base_fd;
    source.known_only = options.known_only;
    status = write_tree(source, image, root.get(), nullptr, stats);
  }
  if (status && !builder.base().status()) {
    status = Status::not_found(fmt::format("{} (nothing was written)", builder.base().status().message()));
  }
  if (status && ::renameat(parent_fd.get(), tmp_name.c_str(), parent_fd.get(), leaf.c_str()) != 0) {
    status = io_error("cannot move the state into place at", out);
  }
  if (!status) remove_tree(parent_fd.get(), tmp_name.c_str());
  return status;
}

}  // namespace crashfs::host
