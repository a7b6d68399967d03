#include "host/replay_to_disk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "host/beneath.h"
#include "host/mentioned_entries.h"

namespace crashfs::host {
namespace {

Status io_error(std::string_view what, std::string_view path) {
  return Status::io_error(fmt::format("{} '{}': {}", what, path, std::strerror(errno)));
}

Status write_all(int fd, const char* data, std::size_t size, std::uint64_t offset, std::string_view path) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("cannot write", path);
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return Status::ok();
}

void set_mtime(int fd, std::int64_t mtime_ns) {
  const struct timespec times[2] = {{0, UTIME_OMIT}, {mtime_ns / 1'000'000'000, mtime_ns % 1'000'000'000}};
  ::futimens(fd, times);
}

// Permission bits of a replayed entry: all of them, set-id and sticky bits included.
mode_t perm_bits(std::uint32_t mode) { return static_cast<mode_t>(mode & 07777); }

// "/proc/self/fd/DIRFD/NAME": an entry that must not be opened (a symlink,
// a device), for the l*xattr calls.
std::string entry_path(int dirfd, const std::string& name) {
  return fmt::format("/proc/self/fd/{}/{}", dirfd, name);
}

// Removes `name` in `dirfd` and everything below it, never following symlinks.
void remove_tree(int dirfd, const char* name) {
  struct stat st {};
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    const int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      ::fchmod(fd, 0700);
      if (DIR* d = ::fdopendir(fd)) {
        std::vector<std::string> names;
        while (dirent* e = ::readdir(d)) {
          if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
        }
        for (const std::string& n : names) remove_tree(::dirfd(d), n.c_str());
        ::closedir(d);
      } else {
        ::close(fd);
      }
    }
    ::unlinkat(dirfd, name, AT_REMOVEDIR);
  } else {
    ::unlinkat(dirfd, name, 0);
  }
}

class DiskWriter {
 public:
  DiskWriter(StateBuilder& builder, const FsImage& image, const ReplayOptions& options, ReplayStats& stats)
      : builder_(builder), image_(image), options_(options), stats_(stats),
        known_(mentioned_entries(builder.index().trace())) {}

  Status write_root(int root_fd) {
    const FsNode* root = image_.node(kRootNode);
    if (root == nullptr) return Status::corruption("the trace has no root directory (no Known record of node 1)");
    std::vector<NodeId> stack{kRootNode};
    if (Status st = write_dir_contents(root_fd, kRootNode, "", stack); !st) return st;
    finish_fd(root_fd, *root, ".");
    return Status::ok();
  }

 private:
  static std::string join(const std::string& dir, std::string_view name) {
    return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
  }

  Status write_dir_contents(int fd, NodeId dir, const std::string& rel, std::vector<NodeId>& stack) {
    const FsNode* d = image_.node(dir);
    Status status;
    d->entries.for_each([&](std::string_view name, NodeId child) {
      if (!status) return;
      if (!is_plain_name(name)) {
        status = Status::corruption(fmt::format(
            "the trace names an entry '{}' in directory '{}': not a valid file name, so the trace is damaged or "
            "hostile; nothing was written",
            name, rel.empty() ? "." : rel));
        return;
      }
      status = write_entry(fd, std::string(name), child, join(rel, name), stack);
    });
    if (!status) return status;
    if (!options_.known_only && options_.base_fd >= 0 && builder_.initial().node(dir) != nullptr) {
      status = copy_untouched(fd, dir);
    }
    return status;
  }

  Status write_entry(int dirfd, const std::string& name, NodeId id, const std::string& rel,
                     std::vector<NodeId>& stack) {
    const FsNode* n = image_.node(id);
    if (n == nullptr) return Status::ok();
    switch (n->kind) {
      case NodeKind::kDirectory: {
        if (stack.size() > 4096) {
          return Status::corruption(fmt::format("'{}': directories nested deeper than any real file system allows", rel));
        }
        if (std::find(stack.begin(), stack.end(), id) != stack.end()) {
          stats_.warnings.push_back(fmt::format("'{}' would make a directory cycle: skipped", rel));
          return Status::ok();
        }
        if (::mkdirat(dirfd, name.c_str(), 0700) != 0) return io_error("cannot create directory", rel);
        Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) return io_error("cannot open directory", rel);
        ++stats_.dirs;
        stack.push_back(id);
        Status st = write_dir_contents(fd.get(), id, rel, stack);
        stack.pop_back();
        if (!st) return st;
        finish_fd(fd.get(), *n, rel);
        return Status::ok();
      }
      case NodeKind::kNone:
        return Status::ok();
      default:
        break;
    }
    if (auto it = written_.find(id); it != written_.end()) {
      // Another name of a node already written: a hard link, as in the state
      // (linkat without AT_SYMLINK_FOLLOW links a symlink itself).
      int parent_fd = -1;
      std::string first_name;
      if (open_parent_beneath(root_fd_, it->second, parent_fd, first_name)) {
        Fd parent(parent_fd);
        if (::linkat(parent.get(), first_name.c_str(), dirfd, name.c_str(), 0) == 0) {
          ++stats_.hard_links;
          return Status::ok();
        }
      }
    }
    Status st;
    switch (n->kind) {
      case NodeKind::kFile:
        st = write_file(dirfd, name, *n, rel);
        break;
      case NodeKind::kSymlink: {
        const std::string target = n->content.read_all(builder_.base());
        if (::symlinkat(target.c_str(), dirfd, name.c_str()) != 0) return io_error("cannot create symlink", rel);
        finish_at(dirfd, name, *n, rel);
        ++stats_.symlinks;
        break;
      }
      default: {  // kSpecial
        const mode_t type = (n->mode & S_IFMT) != 0 ? (n->mode & S_IFMT) : S_IFIFO;
        const bool device = type == S_IFCHR || type == S_IFBLK;
        if (::mknodat(dirfd, name.c_str(), type | (perm_bits(n->mode) & 0777), device ? n->rdev : 0) != 0) {
          if (device && errno == EPERM) {
            stats_.warnings.push_back(fmt::format(
                "'{}': device node (mode {:o}, device {}:{}) not created: mknod needs root (CAP_MKNOD); run "
                "crashfs replay as root to reproduce it",
                rel, n->mode, major(n->rdev), minor(n->rdev)));
            return Status::ok();
          }
          return io_error("cannot create special file", rel);
        }
        finish_at(dirfd, name, *n, rel);
        break;
      }
    }
    if (!st) return st;
    written_.emplace(id, rel);
    return Status::ok();
  }

  // Owner, xattrs, mode, mtime of an entry open as `fd` (a file or a
  // directory).  chown first: it clears set-id bits and file capabilities.
  void finish_fd(int fd, const FsNode& n, const std::string& rel) {
    if (::fchown(fd, n.uid, n.gid) != 0) owner_warning(n, rel);
    n.xattrs.for_each([&](std::string_view key, std::string_view value) {
      const std::string k(key);
      if (::fsetxattr(fd, k.c_str(), value.data(), value.size(), 0) != 0) xattr_warning(k, rel);
    });
    ::fchmod(fd, perm_bits(n.mode));
    set_mtime(fd, n.mtime_ns);
  }

  // The same for an entry that must not be opened (a symlink, a special file).
  void finish_at(int dirfd, const std::string& name, const FsNode& n, const std::string& rel) {
    if (::fchownat(dirfd, name.c_str(), n.uid, n.gid, AT_SYMLINK_NOFOLLOW) != 0) owner_warning(n, rel);
    const std::string path = entry_path(dirfd, name);
    n.xattrs.for_each([&](std::string_view key, std::string_view value) {
      const std::string k(key);
      if (::lsetxattr(path.c_str(), k.c_str(), value.data(), value.size(), 0) != 0) xattr_warning(k, rel);
    });
    if (n.kind != NodeKind::kSymlink) ::fchmodat(dirfd, name.c_str(), perm_bits(n.mode), 0);
    const struct timespec times[2] = {{0, UTIME_OMIT}, {n.mtime_ns / 1'000'000'000, n.mtime_ns % 1'000'000'000}};
    ::utimensat(dirfd, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
  }

  void owner_warning(const FsNode& n, const std::string& rel) {
    stats_.warnings.push_back(fmt::format("'{}': owner {}:{} not set: {} (chown needs root)", rel, n.uid, n.gid,
                                          std::strerror(errno)));
  }
  void xattr_warning(const std::string& key, const std::string& rel) {
    stats_.warnings.push_back(fmt::format("'{}': cannot set xattr '{}': {}{}", rel, key, std::strerror(errno),
                                          key.starts_with("user.") ? "" : " (trusted.* and security.* need root)"));
  }

  Status write_file(int dirfd, const std::string& name, const FsNode& n, const std::string& rel) {
    Fd fd(::openat(dirfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) return io_error("cannot create", rel);
    if (::ftruncate(fd.get(), static_cast<off_t>(n.content.size())) != 0) return io_error("cannot size", rel);
    Status status;
    n.content.for_each([&](std::uint64_t at, const Extent& e) {
      if (!status) return;
      switch (e.source) {
        case Extent::Source::kTrace:
          status = write_all(fd.get(), e.bytes, e.length, at, rel);
          break;
        case Extent::Source::kBase: {
          const std::string_view bytes = builder_.base().base_bytes(e.base_node);
          if (e.base_offset < bytes.size()) {
            const std::size_t len = std::min<std::size_t>(e.length, bytes.size() - e.base_offset);
            status = write_all(fd.get(), bytes.data() + e.base_offset, len, at, rel);
          }
          break;
        }
        case Extent::Source::kZeros:
          break;  // a hole: ftruncate already made it
      }
    });
    if (!status) return status;
    finish_fd(fd.get(), n, rel);
    ++stats_.files;
    return Status::ok();
  }

  // Copies the entries of pre-existing directory `dir` the trace never
  // mentioned from its final path under the base directory.
  Status copy_untouched(int to_fd, NodeId dir) {
    const auto path = builder_.base().final_path(dir);
    if (!path) return Status::ok();  // removed by the run: every child was known
    int from = -1;
    if (!open_dir_beneath(options_.base_fd, *path, from)) return Status::ok();
    DIR* d = ::fdopendir(from);
    if (d == nullptr) {
      ::close(from);
      return io_error("cannot list base directory", *path);
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == ".." || known_.count({dir, name})) continue;
      names.emplace_back(name);
    }
    Status status;
    for (const std::string& name : names) {
      if (!(status = copy_tree(::dirfd(d), name, to_fd, join(*path, name)))) break;
    }
    ::closedir(d);
    return status;
  }

  Status copy_tree(int from_dir, const std::string& name, int to_dir, const std::string& rel) {
    struct stat st {};
    if (::fstatat(from_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return io_error("cannot stat base entry", rel);
    const struct timespec times[2] = {{0, UTIME_OMIT}, st.st_mtim};
    ++stats_.copied_from_base;
    if (S_ISREG(st.st_mode)) {
      Fd in(::openat(from_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!in) return io_error("cannot read base file", rel);
      Fd out(::openat(to_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!out) return io_error("cannot create", rel);
      char buf[1 << 16];
      std::uint64_t at = 0;
      for (;;) {
        const ssize_t n = ::read(in.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return io_error("cannot read base file", rel);
        if (n == 0) break;
        if (Status s = write_all(out.get(), buf, static_cast<std::size_t>(n), at, rel); !s) return s;
        at += static_cast<std::uint64_t>(n);
      }
      ::fchmod(out.get(), perm_bits(st.st_mode));
      ::futimens(out.get(), times);
    } else if (S_ISDIR(st.st_mode)) {
      Fd in(::openat(from_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!in) return io_error("cannot open base directory", rel);
      if (::mkdirat(to_dir, name.c_str(), 0700) != 0) return io_error("cannot create directory", rel);
      Fd out(::openat(to_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!out) return io_error("cannot open directory", rel);
      DIR* d = ::fdopendir(in.release());
      if (d == nullptr) return io_error("cannot list base directory", rel);
      std::vector<std::string> names;
      while (dirent* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
      }
      Status status;
      for (const std::string& n : names) {
        if (!(status = copy_tree(::dirfd(d), n, out.get(), rel + "/" + n))) break;
      }
      ::closedir(d);
      if (!status) return status;
      ::fchmod(out.get(), perm_bits(st.st_mode) | S_IRWXU);
      ::futimens(out.get(), times);
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
      const ssize_t n = ::readlinkat(from_dir, name.c_str(), target.data(), target.size());
      if (n < 0) return io_error("cannot read base symlink", rel);
      target.resize(static_cast<std::size_t>(n));
      if (::symlinkat(target.c_str(), to_dir, name.c_str()) != 0) return io_error("cannot create symlink", rel);
      ::utimensat(to_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
    } else if (S_ISFIFO(st.st_mode)) {
      if (::mknodat(to_dir, name.c_str(), S_IFIFO | (st.st_mode & 0777), 0) != 0) return io_error("cannot create fifo", rel);
    } else {
      --stats_.copied_from_base;
      stats_.warnings.push_back(fmt::format("base entry '{}': device or socket not copied", rel));
    }
    return Status::ok();
  }

 public:
  int root_fd_ = -1;

 private:
  StateBuilder& builder_;
  const FsImage& image_;
  const ReplayOptions& options_;
  ReplayStats& stats_;
  MentionedEntries known_;
  std::unordered_map<NodeId, std::string> written_;
};

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
      const int fd = ::openat(parent_fd.get(), leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr) {
        empty = true;
        while (dirent* e = ::readdir(d)) {
          if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
        }
        ::closedir(d);
      } else if (fd >= 0) {
        ::close(fd);
      }
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
    DiskWriter writer(builder, image, options, stats);
    writer.root_fd_ = root.get();
    status = writer.write_root(root.get());
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
