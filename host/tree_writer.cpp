#include "host/tree_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "host/beneath.h"

namespace crashfs::host {
namespace {

Status io_error(std::string_view what, std::string_view path) {
  return Status::io_error(fmt::format("{} '{}': {}", what, path.empty() ? "." : path, std::strerror(errno)));
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

WrittenEntry written(const ContentHash& signature, const struct stat& st) {
  WrittenEntry w;
  w.signature = signature;
  w.directory = S_ISDIR(st.st_mode);
  w.ino = st.st_ino;
  w.ctime_ns = std::int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec;
  w.size = static_cast<std::uint64_t>(st.st_size);
  w.mode = st.st_mode;
  return w;
}

// Signature parts, length-prefixed so that distinct inputs never collide
// by concatenation.
class Signature {
 public:
  explicit Signature(std::string_view what) { add(what); }
  Signature& add(std::string_view bytes) {
    number(bytes.size());
    hasher_.update(bytes);
    return *this;
  }
  Signature& number(std::uint64_t n) {
    hasher_.update(std::string_view(reinterpret_cast<const char*>(&n), sizeof n));
    return *this;
  }
  ContentHash finish() const { return hasher_.finish(); }

 private:
  ContentHasher hasher_;
};

class TreeWriter {
 public:
  TreeWriter(const TreeSource& source, const FsImage& image, int root_fd, TreeRecord* record, ReplayStats& stats)
      : source_(source), builder_(*source.builder), image_(image), root_fd_(root_fd), record_(record), stats_(stats) {
    if (source_.mentioned == nullptr) {
      own_mentioned_ = mentioned_entries(builder_.index().trace());
      mentioned_ = &own_mentioned_;
    } else {
      mentioned_ = source_.mentioned;
    }
  }

  Status write_root() {
    const FsNode* root = image_.node(kRootNode);
    if (root == nullptr) return Status::corruption("the trace has no root directory (no Known record of node 1)");
    std::vector<NodeId> stack{kRootNode};
    bool changed = false;
    const Status st = write_dir_contents(root_fd_, kRootNode, "", stack, changed);
    if (st) settle_directory(root_fd_, *root, "", changed);
    restat_touched();
    return st;
  }

 private:
  // --- incremental bookkeeping (no-ops without a record) ---

  // What the image wants at a path, as a record signature.
  ContentHash node_signature(NodeId id, const FsNode& n) const {
    Signature s("node");
    s.number(static_cast<std::uint64_t>(n.kind)).number(n.mode).number(n.uid).number(n.gid).number(n.rdev);
    s.number(static_cast<std::uint64_t>(n.mtime_ns));
    n.xattrs.for_each([&](std::string_view key, std::string_view value) { s.add(key).add(value); });
    if (n.kind == NodeKind::kDirectory) return s.finish();  // its entries are compared one by one
    const ContentHash content = n.content_hash(builder_.base());
    return s.number(id).number(content.lo).number(content.hi).finish();
  }

  const WrittenEntry* recorded(const std::string& rel) const {
    if (record_ == nullptr) return nullptr;
    auto it = record_->find(rel);
    return it == record_->end() ? nullptr : &it->second;
  }

  void remember(const std::string& rel, const ContentHash& signature, const struct stat& st) {
    if (record_ != nullptr) (*record_)[rel] = written(signature, st);
  }

  void remember_fd(int fd, const std::string& rel, const ContentHash& signature) {
    struct stat st {};
    if (record_ != nullptr && ::fstat(fd, &st) == 0) remember(rel, signature, st);
  }

  void remember_at(int dirfd, const std::string& name, const std::string& rel, const ContentHash& signature) {
    struct stat st {};
    if (record_ != nullptr && ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
      remember(rel, signature, st);
  }

  // Forgets `rel` and everything below it.
  void forget_tree(const std::string& rel) {
    if (record_ == nullptr) return;
    record_->erase(rel);
    const std::string below = rel.empty() ? std::string() : rel + "/";
    auto it = record_->lower_bound(below);
    while (it != record_->end() && it->first.starts_with(below) && !(rel.empty() && it->first.empty())) it = record_->erase(it);
  }

  // Removes the entry `name` (at `rel`) the image does not want there.  An
  // inode it shares with other names changes (link count, ctime): those
  // are looked at again at the end.
  void remove_entry(int dirfd, const std::string& name, const std::string& rel) {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) && st.st_nlink > 1)
      touched_.insert(st.st_ino);
    remove_tree(dirfd, name.c_str());
    forget_tree(rel);
    ++stats_.removed;
  }

  // Records of inodes whose link count changed after they were recorded.
  void restat_touched() {
    if (record_ == nullptr || touched_.empty()) return;
    for (auto& [rel, entry] : *record_) {
      if (entry.directory || !touched_.count(entry.ino)) continue;
      struct stat st {};
      if (::fstatat(root_fd_, rel.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) entry = written(entry.signature, st);
    }
  }

  // --- the walk ---

  Status write_dir_contents(int fd, NodeId dir, const std::string& rel, std::vector<NodeId>& stack, bool& changed) {
    const FsNode* d = image_.node(dir);
    // What is there now (the record is true of the directory).
    std::unordered_map<std::string, bool> present;
    if (record_ != nullptr)
      for (auto& [name, is_dir] : recorded_children(*record_, rel)) present.emplace(std::move(name), is_dir);
    std::unordered_set<std::string> wanted;
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
      const FsNode* n = image_.node(child);
      if (n == nullptr || n->kind == NodeKind::kNone) return;
      std::string child_name(name);
      auto it = present.find(child_name);
      const bool exists = it != present.end();
      const bool exists_as_dir = exists && it->second;
      if (record_ != nullptr) wanted.insert(child_name);
      status = write_entry(fd, child_name, child, *n, join_path(rel, name), stack, exists, exists_as_dir, changed);
    });
    if (!status) return status;
    if (!source_.known_only && source_.base_fd >= 0 && builder_.initial().node(dir) != nullptr) {
      status = copy_untouched(fd, dir, rel, present, wanted, changed);
      if (!status) return status;
    }
    for (const auto& [name, is_dir] : present) {
      if (wanted.count(name)) continue;
      remove_entry(fd, name, join_path(rel, name));
      changed = true;
    }
    return Status::ok();
  }

  // Sets a directory's owner, xattrs, mode and mtime when it is new, its
  // metadata differs from the record, or its entries changed (which moved
  // its mtime); records it.
  void settle_directory(int fd, const FsNode& n, const std::string& rel, bool changed) {
    const ContentHash sig = record_ != nullptr ? node_signature(0, n) : ContentHash{};
    const WrittenEntry* was = recorded(rel);
    if (record_ != nullptr && !changed && was != nullptr && was->signature == sig) return;
    finish_fd(fd, n, rel.empty() ? "." : rel);
    remember_fd(fd, rel, sig);
  }

  Status write_entry(int dirfd, const std::string& name, NodeId id, const FsNode& n, const std::string& rel,
                     std::vector<NodeId>& stack, bool exists, bool exists_as_dir, bool& parent_changed) {
    if (n.kind == NodeKind::kDirectory) {
      if (stack.size() > 4096) {
        return Status::corruption(fmt::format("'{}': directories nested deeper than any real file system allows", rel));
      }
      if (std::find(stack.begin(), stack.end(), id) != stack.end()) {
        stats_.warnings.push_back(fmt::format("'{}' would make a directory cycle: skipped", rel));
        if (exists) {
          remove_entry(dirfd, name, rel);
          parent_changed = true;
        }
        return Status::ok();
      }
      // A directory already there is reused (its entries are compared one
      // by one); anything else there goes.
      bool fresh = !exists_as_dir;
      if (exists && !exists_as_dir) remove_entry(dirfd, name, rel);
      if (fresh) {
        if (::mkdirat(dirfd, name.c_str(), 0700) != 0) return io_error("cannot create directory", rel);
        forget_tree(rel);
        parent_changed = true;
      }
      Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!fd) return io_error("cannot open directory", rel);
      if (fresh) ++stats_.dirs;
      stack.push_back(id);
      bool changed = fresh;
      Status st = write_dir_contents(fd.get(), id, rel, stack, changed);
      stack.pop_back();
      if (!st) return st;
      if (!fresh && !changed) ++stats_.kept;
      settle_directory(fd.get(), n, rel, changed);
      return Status::ok();
    }

    const ContentHash sig = record_ != nullptr ? node_signature(id, n) : ContentHash{};
    auto first = written_.find(id);
    if (exists) {
      const WrittenEntry* was = recorded(rel);
      // In place when the record says so, and, for a node with several
      // names, when it is the same inode as the name written first.
      if (was != nullptr && was->signature == sig && !was->directory &&
          (first == written_.end() || first->second.second == was->ino)) {
        if (first == written_.end()) written_.emplace(id, std::make_pair(rel, was->ino));
        ++stats_.kept;
        return Status::ok();
      }
      remove_entry(dirfd, name, rel);
    }
    parent_changed = true;
    forget_tree(rel);
    if (first != written_.end()) {
      // Another name of a node already written: a hard link, as in the state
      // (linkat without AT_SYMLINK_FOLLOW links a symlink itself).
      int parent_fd = -1;
      std::string first_name;
      if (open_parent_beneath(root_fd_, first->second.first, parent_fd, first_name)) {
        Fd parent(parent_fd);
        if (::linkat(parent.get(), first_name.c_str(), dirfd, name.c_str(), 0) == 0) {
          ++stats_.hard_links;
          touched_.insert(first->second.second);
          remember_at(dirfd, name, rel, sig);
          return Status::ok();
        }
      }
    }
    switch (n.kind) {
      case NodeKind::kFile:
        if (Status st = write_file(dirfd, name, n, rel, sig); !st) return st;
        break;
      case NodeKind::kSymlink: {
        const std::string target = n.content.read_all(builder_.base());
        if (::symlinkat(target.c_str(), dirfd, name.c_str()) != 0) return io_error("cannot create symlink", rel);
        finish_at(dirfd, name, n, rel);
        remember_at(dirfd, name, rel, sig);
        ++stats_.symlinks;
        break;
      }
      default: {  // kSpecial
        const mode_t type = (n.mode & S_IFMT) != 0 ? (n.mode & S_IFMT) : S_IFIFO;
        const bool device = type == S_IFCHR || type == S_IFBLK;
        if (::mknodat(dirfd, name.c_str(), type | (perm_bits(n.mode) & 0777), device ? n.rdev : 0) != 0) {
          if (device && errno == EPERM) {
            stats_.warnings.push_back(fmt::format(
                "'{}': device node (mode {:o}, device {}:{}) not created: mknod needs root (CAP_MKNOD); run "
                "crashfs replay as root to reproduce it",
                rel, n.mode, major(n.rdev), minor(n.rdev)));
            return Status::ok();
          }
          return io_error("cannot create special file", rel);
        }
        finish_at(dirfd, name, n, rel);
        remember_at(dirfd, name, rel, sig);
        break;
      }
    }
    // The inode is compared only when moving a tree (write_entry above).
    struct stat st {};
    const bool known = record_ != nullptr && ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    written_.emplace(id, std::make_pair(rel, known ? st.st_ino : ino_t{0}));
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

  Status write_file(int dirfd, const std::string& name, const FsNode& n, const std::string& rel, const ContentHash& sig) {
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
    remember_fd(fd.get(), rel, sig);
    ++stats_.files;
    return Status::ok();
  }

  // The entries of pre-existing directory `dir` the trace never mentioned,
  // from its final path under the base directory.  Incremental: an entry
  // copied from the same base path before is kept.
  Status copy_untouched(int to_fd, NodeId dir, const std::string& rel,
                        const std::unordered_map<std::string, bool>& present,
                        std::unordered_set<std::string>& wanted, bool& changed) {
    const BaseListing* listing = nullptr;
    if (Status st = base_listing(dir, listing); !st || listing == nullptr) return st;
    Fd from;  // opened when something is copied
    for (const std::string& name : listing->names) {
      const std::string to = join_path(rel, name);
      const std::string base_path = join_path(listing->path, name);
      const ContentHash sig = record_ != nullptr ? Signature("base").add(base_path).finish() : ContentHash{};
      if (record_ != nullptr) wanted.insert(name);
      if (present.count(name)) {
        const WrittenEntry* was = recorded(to);
        if (was != nullptr && was->signature == sig) {
          ++stats_.kept;
          continue;
        }
        remove_entry(to_fd, name, to);
      }
      changed = true;
      if (!from) {
        int fd = -1;
        if (!open_dir_beneath(source_.base_fd, listing->path, fd)) return io_error("cannot open base directory", listing->path);
        from = Fd(fd);
      }
      if (Status st = copy_tree(from.get(), name, to_fd, base_path, to, sig); !st) return st;
    }
    return Status::ok();
  }

  // The untouched names of pre-existing directory `dir` in the base
  // (nullptr: it has no final path, or it is not there), listed once per
  // directory (TreeSource::listings).
  Status base_listing(NodeId dir, const BaseListing*& out) {
    BaseListings& cache = source_.listings != nullptr ? *source_.listings : own_listings_;
    auto it = cache.find(dir);
    if (it == cache.end()) {
      std::optional<BaseListing> listing;
      if (const auto path = builder_.base().final_path(dir)) {  // else removed by the run: every child was known
        int from = -1;
        if (open_dir_beneath(source_.base_fd, *path, from)) {
          const Fd fd(from);
          std::vector<std::string> names;
          if (!entry_names(fd.get(), names)) return io_error("cannot list base directory", *path);
          listing.emplace();
          listing->path = *path;
          for (std::string& name : names)
            if (!mentioned_->count({dir, name})) listing->names.push_back(std::move(name));
        }
      }
      it = cache.emplace(dir, std::move(listing)).first;
    }
    out = it->second ? &*it->second : nullptr;
    return Status::ok();
  }

  Status copy_tree(int from_dir, const std::string& name, int to_dir, const std::string& base_rel, const std::string& rel,
                   const ContentHash& sig) {
    struct stat st {};
    if (::fstatat(from_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return io_error("cannot stat base entry", base_rel);
    const struct timespec times[2] = {{0, UTIME_OMIT}, st.st_mtim};
    ++stats_.copied_from_base;
    if (S_ISREG(st.st_mode)) {
      Fd in(::openat(from_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!in) return io_error("cannot read base file", base_rel);
      Fd out(::openat(to_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!out) return io_error("cannot create", rel);
      char buf[1 << 16];
      std::uint64_t at = 0;
      for (;;) {
        const ssize_t n = ::read(in.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return io_error("cannot read base file", base_rel);
        if (n == 0) break;
        if (Status s = write_all(out.get(), buf, static_cast<std::size_t>(n), at, rel); !s) return s;
        at += static_cast<std::uint64_t>(n);
      }
      ::fchmod(out.get(), perm_bits(st.st_mode));
      ::futimens(out.get(), times);
      remember_fd(out.get(), rel, sig);
    } else if (S_ISDIR(st.st_mode)) {
      Fd in(::openat(from_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!in) return io_error("cannot open base directory", base_rel);
      if (::mkdirat(to_dir, name.c_str(), 0700) != 0) return io_error("cannot create directory", rel);
      Fd out(::openat(to_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!out) return io_error("cannot open directory", rel);
      std::vector<std::string> names;
      if (!entry_names(in.get(), names)) return io_error("cannot list base directory", base_rel);
      // What is inside is recorded too (as part of the copy), so that a
      // change to it shows; only the top entry's signature is compared.
      const ContentHash inside = record_ != nullptr ? Signature("base-member").finish() : ContentHash{};
      for (const std::string& n : names)
        if (Status st = copy_tree(in.get(), n, out.get(), base_rel + "/" + n, rel + "/" + n, inside); !st) return st;
      ::fchmod(out.get(), perm_bits(st.st_mode) | S_IRWXU);
      ::futimens(out.get(), times);
      remember_fd(out.get(), rel, sig);
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
      const ssize_t n = ::readlinkat(from_dir, name.c_str(), target.data(), target.size());
      if (n < 0) return io_error("cannot read base symlink", base_rel);
      target.resize(static_cast<std::size_t>(n));
      if (::symlinkat(target.c_str(), to_dir, name.c_str()) != 0) return io_error("cannot create symlink", rel);
      ::utimensat(to_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
      remember_at(to_dir, name, rel, sig);
    } else if (S_ISFIFO(st.st_mode)) {
      if (::mknodat(to_dir, name.c_str(), S_IFIFO | (st.st_mode & 0777), 0) != 0) return io_error("cannot create fifo", rel);
      remember_at(to_dir, name, rel, sig);
    } else {
      --stats_.copied_from_base;
      stats_.warnings.push_back(fmt::format("base entry '{}': device or socket not copied", base_rel));
    }
    return Status::ok();
  }

  const TreeSource& source_;
  StateBuilder& builder_;
  const FsImage& image_;
  int root_fd_;
  TreeRecord* record_;
  ReplayStats& stats_;
  MentionedEntries own_mentioned_;
  BaseListings own_listings_;
  const MentionedEntries* mentioned_ = nullptr;
  // Node -> the first name written or kept for it in this walk, and its inode.
  std::unordered_map<NodeId, std::pair<std::string, ino_t>> written_;
  std::unordered_set<ino_t> touched_;  // inodes whose link count this walk changed
};

}  // namespace

bool entry_names(int dir_fd, std::vector<std::string>& out) {
  // fdopendir takes the descriptor it is given (and its offset): give it
  // a fresh one.
  const int own = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = own >= 0 ? ::fdopendir(own) : nullptr;
  if (d == nullptr) {
    if (own >= 0) ::close(own);
    return false;
  }
  while (dirent* e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) out.emplace_back(e->d_name);
  ::closedir(d);
  return true;
}

std::string join_path(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

std::vector<std::pair<std::string, bool>> recorded_children(const TreeRecord& record, const std::string& rel) {
  std::vector<std::pair<std::string, bool>> out;
  const std::string prefix = rel.empty() ? std::string() : rel + "/";
  for (auto it = record.lower_bound(prefix); it != record.end() && it->first.starts_with(prefix); ++it) {
    const std::string_view name = std::string_view(it->first).substr(prefix.size());
    if (!name.empty() && name.find('/') == std::string_view::npos) out.emplace_back(std::string(name), it->second.directory);
  }
  return out;
}

void remove_tree(int dirfd, const char* name) {
  struct stat st {};
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    const Fd fd(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (fd) {
      ::fchmod(fd.get(), 0700);
      std::vector<std::string> names;
      entry_names(fd.get(), names);
      for (const std::string& n : names) remove_tree(fd.get(), n.c_str());
    }
    ::unlinkat(dirfd, name, AT_REMOVEDIR);
  } else {
    ::unlinkat(dirfd, name, 0);
  }
}

Status write_tree(const TreeSource& source, const FsImage& image, int root_fd, TreeRecord* record, ReplayStats& stats) {
  if (source.builder == nullptr) return Status::invalid_argument("write_tree: no state builder");
  TreeWriter writer(source, image, root_fd, record, stats);
  return writer.write_root();
}

}  // namespace crashfs::host
