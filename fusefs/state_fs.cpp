#include "fusefs/state_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "fusefs/fuse_mount.h"

namespace crashfs::fusefs {
namespace {

constexpr double kTimeout = 3600.0;  // the state never changes

// A name replay would refuse (and a real trace never holds).
bool plain_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

std::string proc_path(int fd) { return fmt::format("/proc/self/fd/{}", fd); }

StateFs& fs_of(fuse_req_t req) { return *static_cast<StateFs*>(fuse_req_userdata(req)); }

template <typename Fn>
void guarded(fuse_req_t req, const char* op, Fn&& fn) {
  try {
    fn(fs_of(req));
  } catch (const std::exception& e) {
    spdlog::error("crashfs view: {}: {}", op, e.what());
    fuse_reply_err(req, EIO);
  } catch (...) {
    spdlog::error("crashfs view: {}: unknown exception", op);
    fuse_reply_err(req, EIO);
  }
}

fuse_lowlevel_ops make_operations() {
  fuse_lowlevel_ops ops{};
  ops.lookup = [](fuse_req_t req, fuse_ino_t parent, const char* name) {
    guarded(req, "lookup", [&](StateFs& fs) { fs.lookup(req, parent, name); });
  };
  ops.forget = [](fuse_req_t req, fuse_ino_t, uint64_t) { fuse_reply_none(req); };
  ops.getattr = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
    guarded(req, "getattr", [&](StateFs& fs) { fs.getattr(req, ino); });
  };
  ops.readlink = [](fuse_req_t req, fuse_ino_t ino) {
    guarded(req, "readlink", [&](StateFs& fs) { fs.readlink(req, ino); });
  };
  ops.open = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    guarded(req, "open", [&](StateFs& fs) { fs.open(req, ino, fi); });
  };
  ops.read = [](fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info*) {
    guarded(req, "read", [&](StateFs& fs) { fs.read(req, ino, size, off); });
  };
  ops.release = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    guarded(req, "release", [&](StateFs& fs) { fs.release(req, ino, fi); });
  };
  ops.opendir = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    guarded(req, "opendir", [&](StateFs& fs) { fs.opendir(req, ino, fi); });
  };
  ops.readdir = [](fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
    guarded(req, "readdir", [&](StateFs& fs) { fs.readdir(req, ino, size, off, fi); });
  };
  ops.releasedir = [](fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    guarded(req, "releasedir", [&](StateFs& fs) { fs.releasedir(req, ino, fi); });
  };
  ops.statfs = [](fuse_req_t req, fuse_ino_t) {
    guarded(req, "statfs", [&](StateFs& fs) { fs.statfs(req); });
  };
  return ops;
}

const fuse_lowlevel_ops& operations() {
  static const fuse_lowlevel_ops ops = make_operations();
  return ops;
}

}  // namespace

// The entries of one directory, fixed at opendir (offsets index into it).
struct StateFs::Listing {
  struct Entry {
    std::string name;
    fuse_ino_t ino;
    mode_t type;
  };
  std::vector<Entry> entries;
};

StateFs::StateFs(Source source) : source_(std::move(source)) {
  // Reachable links per node, for st_nlink of hard-linked files.
  std::vector<NodeId> stack{kRootNode};
  std::unordered_map<NodeId, bool> visited;
  while (!stack.empty()) {
    const NodeId dir = stack.back();
    stack.pop_back();
    if (visited[dir]) continue;
    visited[dir] = true;
    const FsNode* d = source_.image.node(dir);
    if (d == nullptr) continue;
    d->entries.for_each([&](std::string_view name, NodeId child) {
      if (!plain_name(name)) return;
      const FsNode* c = source_.image.node(child);
      if (c == nullptr) return;
      ++reachable_links_[child];
      if (c->kind == NodeKind::kDirectory) stack.push_back(child);
    });
  }
}

StateFs::~StateFs() {
  stop();
  for (auto& [ino, node] : base_nodes_) ::close(node.fd);
}

Status StateFs::mount(const std::string& dir) {
  return FuseMount::mount_ops(operations(), this, dir, "ro", 1, mount_).is_ok()
             ? (mount_->serve(), Status::ok())
             : Status::io_error(fmt::format("cannot mount the state on {} (see the fusermount3 message above)", dir));
}

void StateFs::stop() {
  if (mount_) {
    mount_->stop();
    mount_.reset();
  }
}

bool StateFs::shown(const FsNode& n) const {
  if (n.kind == NodeKind::kNone) return false;
  return true;  // replay creates every kind, devices and sockets included
}

bool StateFs::stat_image(NodeId id, struct stat& st) const {
  const FsNode* n = source_.image.node(id);
  if (n == nullptr || !shown(*n)) return false;
  std::memset(&st, 0, sizeof st);
  st.st_ino = id;
  // As replay writes it: every permission bit, set-id and sticky included.
  const mode_t perm = static_cast<mode_t>(n->mode & 07777);
  const auto links = reachable_links_.find(id);
  const nlink_t nlink = links == reachable_links_.end() ? 1 : links->second;
  switch (n->kind) {
    case NodeKind::kDirectory:
      st.st_mode = S_IFDIR | perm;
      st.st_nlink = 2;
      break;
    case NodeKind::kFile:
      st.st_mode = S_IFREG | perm;
      st.st_nlink = nlink;
      st.st_size = static_cast<off_t>(n->content.size());
      break;
    case NodeKind::kSymlink:
      st.st_mode = S_IFLNK | 0777;
      st.st_nlink = nlink;
      st.st_size = static_cast<off_t>(n->content.size());
      break;
    default: {  // fifos, sockets, devices (never opened: the mount is nodev)
      const mode_t type = (n->mode & S_IFMT) != 0 ? (n->mode & S_IFMT) : S_IFIFO;
      st.st_mode = type | (perm & 0777);
      st.st_rdev = static_cast<dev_t>(n->rdev);
      st.st_nlink = nlink;
      break;
    }
  }
  st.st_uid = n->uid;
  st.st_gid = n->gid;
  st.st_blksize = 4096;
  st.st_blocks = (st.st_size + 511) / 512;
  st.st_mtim.tv_sec = n->mtime_ns / 1'000'000'000;
  st.st_mtim.tv_nsec = n->mtime_ns % 1'000'000'000;
  st.st_atim = st.st_mtim;
  st.st_ctim = st.st_mtim;
  return true;
}

int StateFs::base_fd_of(fuse_ino_t ino) const {
  const auto it = base_nodes_.find(ino);
  return it == base_nodes_.end() ? -1 : it->second.fd;
}

int StateFs::stat_base(fuse_ino_t ino, struct stat& st) const {
  const int fd = base_fd_of(ino);
  if (fd < 0) return ESTALE;
  if (::fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) return errno;
  st.st_ino = ino;
  if (S_ISDIR(st.st_mode)) st.st_mode |= S_IRWXU;  // as replay copies base directories
  return 0;
}

int StateFs::lookup_base(int dir_fd, const char* name, fuse_ino_t& ino, struct stat& st) {
  const int fd = ::openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  if (::fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    const int err = errno;
    ::close(fd);
    return err;
  }
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    ::close(fd);
    return ENOENT;  // devices and sockets are not copied by replay either
  }
  const std::uint64_t key = (static_cast<std::uint64_t>(st.st_dev) << 40) ^ st.st_ino;
  if (const auto it = base_ino_of_.find(key); it != base_ino_of_.end()) {
    ::close(fd);
    ino = it->second;
  } else {
    ino = next_base_ino_++;
    base_nodes_[ino] = BaseNode{fd};
    base_ino_of_[key] = ino;
  }
  return stat_base(ino, st);
}

void StateFs::lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_entry_param e{};
  e.attr_timeout = kTimeout;
  e.entry_timeout = kTimeout;
  if (is_base(parent)) {
    const int dir_fd = base_fd_of(parent);
    if (dir_fd < 0) return (void)fuse_reply_err(req, ESTALE);
    const int dir = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return (void)fuse_reply_err(req, errno);
    const int err = lookup_base(dir, name, e.ino, e.attr);
    ::close(dir);
    if (err != 0) return (void)fuse_reply_err(req, err);
    return (void)fuse_reply_entry(req, &e);
  }
  const FsNode* d = source_.image.node(parent);
  if (d == nullptr || d->kind != NodeKind::kDirectory) return (void)fuse_reply_err(req, ENOENT);
  const NodeId child = source_.image.lookup(parent, name);
  if (child != 0 && plain_name(name) && stat_image(child, e.attr)) {
    e.ino = child;
    return (void)fuse_reply_entry(req, &e);
  }
  // Not in the image: an entry the trace never mentioned, from the base.
  if (source_.mentioned && !source_.mentioned(parent, name) && source_.base_dir_of) {
    const int dir_fd = source_.base_dir_of(parent);
    if (dir_fd >= 0 && lookup_base(dir_fd, name, e.ino, e.attr) == 0) return (void)fuse_reply_entry(req, &e);
  }
  e.ino = 0;  // a negative entry, cached: the state never changes
  fuse_reply_entry(req, &e);
}

void StateFs::getattr(fuse_req_t req, fuse_ino_t ino) {
  struct stat st {};
  if (is_base(ino)) {
    if (const int err = stat_base(ino, st); err != 0) return (void)fuse_reply_err(req, err);
  } else if (!stat_image(ino, st)) {
    return (void)fuse_reply_err(req, ENOENT);
  }
  fuse_reply_attr(req, &st, kTimeout);
}

void StateFs::readlink(fuse_req_t req, fuse_ino_t ino) {
  if (is_base(ino)) {
    char target[4096];
    const ssize_t n = ::readlinkat(base_fd_of(ino), "", target, sizeof target - 1);
    if (n < 0) return (void)fuse_reply_err(req, errno);
    target[n] = '\0';
    return (void)fuse_reply_readlink(req, target);
  }
  const FsNode* n = source_.image.node(ino);
  if (n == nullptr || n->kind != NodeKind::kSymlink) return (void)fuse_reply_err(req, EINVAL);
  const std::string target = n->content.read_all(*source_.base);
  fuse_reply_readlink(req, target.c_str());
}

void StateFs::open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC) != 0) return (void)fuse_reply_err(req, EROFS);
  fi->fh = 0;
  if (is_base(ino)) {
    const int fd = ::open(proc_path(base_fd_of(ino)).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return (void)fuse_reply_err(req, errno);
    fi->fh = static_cast<std::uint64_t>(fd) + 1;
  } else {
    const FsNode* n = source_.image.node(ino);
    if (n == nullptr || n->kind != NodeKind::kFile) return (void)fuse_reply_err(req, n == nullptr ? ENOENT : EISDIR);
  }
  fi->keep_cache = 1;
  fuse_reply_open(req, fi);
}

void StateFs::read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off) {
  std::string out;
  if (is_base(ino)) {
    // Base files are read through their own descriptor (opened in open()).
    const int fd = ::open(proc_path(base_fd_of(ino)).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return (void)fuse_reply_err(req, errno);
    out.resize(size);
    const ssize_t n = ::pread(fd, out.data(), size, off);
    const int err = errno;
    ::close(fd);
    if (n < 0) return (void)fuse_reply_err(req, err);
    return (void)fuse_reply_buf(req, out.data(), static_cast<std::size_t>(n));
  }
  const FsNode* n = source_.image.node(ino);
  if (n == nullptr || n->kind != NodeKind::kFile) return (void)fuse_reply_err(req, EIO);
  const std::uint64_t file_size = n->content.size();
  const std::uint64_t from = static_cast<std::uint64_t>(off);
  if (from >= file_size) return (void)fuse_reply_buf(req, nullptr, 0);
  const std::uint64_t len = std::min<std::uint64_t>(size, file_size - from);
  n->content.read(from, len, *source_.base, out);
  fuse_reply_buf(req, out.data(), out.size());
}

void StateFs::release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  if (fi->fh != 0) ::close(static_cast<int>(fi->fh - 1));
  fuse_reply_err(req, 0);
}

void StateFs::opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto listing = std::make_unique<Listing>();
  listing->entries.push_back({".", ino, S_IFDIR});
  listing->entries.push_back({"..", ino, S_IFDIR});
  // Base entries of directory descriptor `dir_fd`, optionally skipping mentioned names.
  const auto add_base = [&](int dir_fd, NodeId image_dir) {
    const int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    DIR* d = ::fdopendir(fd);
    if (d == nullptr) {
      ::close(fd);
      return;
    }
    while (dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      if (image_dir != 0 && source_.mentioned(image_dir, name)) continue;
      fuse_ino_t child = 0;
      struct stat st {};
      if (lookup_base(::dirfd(d), e->d_name, child, st) != 0) continue;
      listing->entries.push_back({std::string(name), child, st.st_mode & S_IFMT});
    }
    ::closedir(d);
  };
  if (is_base(ino)) {
    const int fd = base_fd_of(ino);
    if (fd < 0) return (void)fuse_reply_err(req, ESTALE);
    const int dir = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return (void)fuse_reply_err(req, errno);
    add_base(dir, 0);
    ::close(dir);
  } else {
    const FsNode* d = source_.image.node(ino);
    if (d == nullptr || d->kind != NodeKind::kDirectory) return (void)fuse_reply_err(req, ENOTDIR);
    d->entries.for_each([&](std::string_view name, NodeId child) {
      struct stat st {};
      if (plain_name(name) && stat_image(child, st)) {
        listing->entries.push_back({std::string(name), child, st.st_mode & S_IFMT});
      }
    });
    if (source_.base_dir_of && source_.mentioned) {
      if (const int base = source_.base_dir_of(ino); base >= 0) add_base(base, ino);
    }
  }
  fi->fh = reinterpret_cast<std::uint64_t>(listing.release());
  fi->cache_readdir = 1;
  fuse_reply_open(req, fi);
}

void StateFs::readdir(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  const Listing& listing = *reinterpret_cast<const Listing*>(fi->fh);
  std::string buf(size, '\0');
  std::size_t used = 0;
  for (std::size_t i = static_cast<std::size_t>(off); i < listing.entries.size(); ++i) {
    const auto& e = listing.entries[i];
    struct stat st {};
    st.st_ino = e.ino;
    st.st_mode = e.type;
    const std::size_t need = fuse_add_direntry(req, buf.data() + used, size - used, e.name.c_str(), &st,
                                               static_cast<off_t>(i + 1));
    if (need > size - used) break;
    used += need;
  }
  fuse_reply_buf(req, buf.data(), used);
}

void StateFs::releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete reinterpret_cast<Listing*>(fi->fh);
  fuse_reply_err(req, 0);
}

void StateFs::statfs(fuse_req_t req) {
  struct statvfs st {};
  st.f_bsize = 4096;
  st.f_frsize = 4096;
  st.f_namemax = 255;
  st.f_flag = ST_RDONLY;
  fuse_reply_statfs(req, &st);
}

}  // namespace crashfs::fusefs
