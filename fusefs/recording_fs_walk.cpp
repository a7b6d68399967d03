// RecordingFs: the pre-existing tree enters the trace when recording starts.
//
// Why a walk and not first sight: a state rebuilt from the trace must hold
// the tree the program saw, also the parts it never touched and the names
// it never looked up.  Seen lazily, a second name of a pre-existing file
// was unknown (replay copied it from the final tree: a state with the new
// contents under one name and the old under the other), and link groups,
// xattrs, owners and special files of untouched entries were lost.  The
// walk costs one fstatat and one llistxattr per entry, before the mount.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "fusefs/recording_fs.h"
#include "fusefs/recording_fs_internal.h"

namespace crashfs::fusefs {
namespace {

// Names in directory `fd` (not . and ..), sorted so the trace is stable.
Status list_dir(int fd, const std::string& where, std::vector<std::string>& names) {
  const int dup_fd = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = dup_fd >= 0 ? ::fdopendir(dup_fd) : nullptr;
  if (d == nullptr) {
    if (dup_fd >= 0) ::close(dup_fd);
    return Status::io_error(fmt::format("cannot list {} to record the pre-existing tree: {}", where, std::strerror(errno)));
  }
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return Status::ok();
}

std::string child(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

}  // namespace

Status RecordingFs::record_xattrs(const Node& node, const std::string& proc_path, const Caller& who) {
  // l*xattr on /proc/self/fd/DIR/NAME: never opens the entry (a fifo or a
  // device must not be opened) and never follows a symlink.
  ssize_t size = ::llistxattr(proc_path.c_str(), nullptr, 0);
  if (size <= 0) return Status::ok();  // none, or not supported here
  std::string names(static_cast<std::size_t>(size), '\0');
  size = ::llistxattr(proc_path.c_str(), names.data(), names.size());
  if (size <= 0) return Status::ok();
  std::string value;
  for (std::size_t at = 0; at < static_cast<std::size_t>(size);) {
    const char* name = names.c_str() + at;
    at += std::strlen(name) + 1;
    if (*name == '\0' || std::strcmp(name, kMarkXattr) == 0) continue;
    ssize_t len = ::lgetxattr(proc_path.c_str(), name, nullptr, 0);
    if (len < 0) continue;  // removed meanwhile
    value.resize(static_cast<std::size_t>(len));
    len = ::lgetxattr(proc_path.c_str(), name, value.data(), value.size());
    if (len < 0) continue;
    value.resize(static_cast<std::size_t>(len));
    if (Status st = journal_.known_xattr(node, name, value, who); !st) return st;
  }
  return Status::ok();
}

Status RecordingFs::record_tree(const Caller& who) {
  Node* root = nodes_.get(kRootNode);
  if (Status st = record_xattrs(*root, ProcPath(root->fd).c_str(), who); !st) return st;
  struct Dir {
    int fd;  // owned, except the root's
    NodeId id;
    std::string path;  // for messages
  };
  std::vector<Dir> todo{{root->fd, kRootNode, ""}};
  Status status;
  while (!todo.empty() && status) {
    const Dir dir = todo.back();
    todo.pop_back();
    std::vector<std::string> names;
    status = list_dir(dir.fd, dir.path.empty() ? "the recorded directory" : dir.path, names);
    for (std::size_t i = 0; i < names.size() && status; ++i) {
      const std::string& name = names[i];
      struct stat st {};
      if (::fstatat(dir.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
      if (is_trace(st)) continue;
      Node* n = nodes_.find(st.st_dev, st.st_ino);
      const bool first = n == nullptr;
      if (first) n = nodes_.add(st.st_dev, st.st_ino, kind_of_mode(st.st_mode), /*preexisting=*/true);
      char target[PATH_MAX + 1];
      std::string_view link_target;
      if (S_ISLNK(st.st_mode)) {
        const ssize_t len = ::readlinkat(dir.fd, name.c_str(), target, PATH_MAX);
        if (len > 0) link_target = std::string_view(target, static_cast<std::size_t>(len));
      }
      status = journal_.known(*n, dir.id, name, st, link_target, who);
      if (status && first) {
        status = record_xattrs(*n, std::string(ProcPath(dir.fd).c_str()) + "/" + name, who);
      }
      if (status && S_ISDIR(st.st_mode)) {
        const int fd = ::openat(dir.fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
          status = Status::io_error(fmt::format("cannot open {} to record the pre-existing tree: {}",
                                                child(dir.path, name), std::strerror(errno)));
        } else {
          todo.push_back({fd, n->id, child(dir.path, name)});
        }
      }
    }
    if (dir.id != kRootNode) ::close(dir.fd);
  }
  for (const Dir& left : todo)
    if (left.id != kRootNode) ::close(left.fd);
  return status;
}

}  // namespace crashfs::fusefs
