// fs_workload: a seeded random file-system workload (in the spirit of
// fsstress) for crashfs's replay-fidelity tests, plus the tree manifest they
// compare.  It knows nothing of crashfs beyond the mark xattr.
//
//   fs_workload prepare DIR --seed S
//       fills DIR (existing, empty) with a prepared tree: files, directories,
//       hard links of files, symlinks and special files, xattrs, fifos,
//       sockets, device nodes, set-user/group-id files, several owners.
//   fs_workload run DIR --seed S --ops N [--procs P]
//                   [--shadow SHADOW --snapshots OUT --at K1,K2,...]
//       runs N random operations on DIR: every kind the recorder handles
//       (create, mkdir, mknod of each type, symlink, link, unlink, rmdir,
//       rename plain / NOREPLACE / EXCHANGE / WHITEOUT, open O_TRUNC, write,
//       append, O_SYNC write, mmap write, copy_file_range, truncate,
//       ftruncate, fallocate modes, chmod with set-id bits, chown, utimes,
//       setxattr, removexattr, fsync, fdatasync, directory fsync, writes to
//       unlinked open files).  With --shadow, each operation is also done,
//       in lockstep, on SHADOW (a native copy of DIR), and after operation
//       K of the --at list DIR gets the crashfs mark "op-K" and the manifest
//       of SHADOW is written to OUT/op-K.manifest.  A result that differs
//       between the two (errno) is a divergence: exit 3.  With --procs P,
//       P processes (seeds S..S+P-1) run N/P operations each on the same
//       tree; failures are expected then and ignored (no shadow).
//   fs_workload manifest DIR
//       prints one line per entry of DIR (sorted by path): type, mode with
//       set-id bits, size, nlink, uid/gid, symlink target, content hash,
//       rdev, xattrs (name and value hash), hard-link group (the first path
//       of the group).  No times.
//
// Exit codes: 0 ok, 2 usage, 3 divergence between DIR and SHADOW, 1 error.
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

constexpr int kExitDiverged = 3;
constexpr int kMaxEntries = 160;
constexpr std::size_t kMaxOpenFiles = 6;

// ---------------------------------------------------------------- helpers

std::uint64_t fnv1a(const void* data, std::size_t n, std::uint64_t h = 1469598103934665603ull) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Printable form of a name or value for the manifest.
std::string escaped(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c > 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::vector<std::string> list_xattrs(const std::string& path) {
  std::vector<std::string> names;
  const ssize_t n = llistxattr(path.c_str(), nullptr, 0);
  if (n <= 0) return names;
  std::string buf(static_cast<std::size_t>(n), '\0');
  const ssize_t got = llistxattr(path.c_str(), buf.data(), buf.size());
  for (ssize_t i = 0; i < got;) {
    const std::string name(buf.c_str() + i);
    if (!name.empty()) names.push_back(name);
    i += static_cast<ssize_t>(name.size()) + 1;
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Relative paths of every entry below root (not root itself), sorted; with
// `modes`, also each one's st_mode.
void walk(const std::string& root, const std::string& rel, std::vector<std::string>& out,
          std::map<std::string, mode_t>* modes = nullptr) {
  const std::string dir = rel.empty() ? root : root + "/" + rel;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string child = rel.empty() ? name : rel + "/" + name;
    out.push_back(child);
    struct stat st {};
    if (lstat((root + "/" + child).c_str(), &st) != 0) continue;
    if (modes != nullptr) (*modes)[child] = st.st_mode;
    if (S_ISDIR(st.st_mode)) walk(root, child, out, modes);
  }
}

const char* type_name(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return "file";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "symlink";
    case S_IFIFO: return "fifo";
    case S_IFSOCK: return "socket";
    case S_IFCHR: return "chardev";
    case S_IFBLK: return "blockdev";
  }
  return "?";
}

// ---------------------------------------------------------------- manifest

int manifest(const std::string& root) {
  std::vector<std::string> paths;
  walk(root, "", paths);
  std::map<std::pair<dev_t, ino_t>, std::string> first_of;  // hard-link groups
  for (const std::string& rel : paths) {
    struct stat st {};
    if (lstat((root + "/" + rel).c_str(), &st) != 0) continue;
    if (!S_ISDIR(st.st_mode)) first_of.emplace(std::make_pair(st.st_dev, st.st_ino), rel);
  }
  std::string out;
  for (const std::string& rel : paths) {
    const std::string path = root + "/" + rel;
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) {
      out += escaped(rel) + " vanished\n";
      continue;
    }
    char buf[256];
    std::snprintf(buf, sizeof buf, " type=%s mode=%04o uid=%u gid=%u nlink=%lu", type_name(st.st_mode),
                  static_cast<unsigned>(st.st_mode & 07777), st.st_uid, st.st_gid,
                  static_cast<unsigned long>(st.st_nlink));
    std::string line = escaped(rel) + buf;
    if (S_ISREG(st.st_mode)) {
      std::uint64_t h = fnv1a(nullptr, 0);
      const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0) {
        char data[1 << 16];
        ssize_t n;
        while ((n = read(fd, data, sizeof data)) > 0) h = fnv1a(data, static_cast<std::size_t>(n), h);
        close(fd);
      }
      line += " size=" + std::to_string(st.st_size) + " content=" + hex(h);
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(PATH_MAX, '\0');
      const ssize_t n = readlink(path.c_str(), target.data(), target.size());
      target.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
      line += " target=" + escaped(target);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      line += " rdev=" + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
    }
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) line += " group=" + escaped(first_of[{st.st_dev, st.st_ino}]);
    for (const std::string& name : list_xattrs(path)) {
      std::string value(65536, '\0');
      const ssize_t n = lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
      value.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
      line += " xattr:" + escaped(name) + "=" + hex(fnv1a(value.data(), value.size()));
    }
    out += line + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

// ---------------------------------------------------------------- the tree, twice

// One operation is done on each root in turn (DIR, then SHADOW); the result
// of each is an errno (0 = success) and must agree.
struct Roots {
  std::vector<std::string> dirs;  // [0] = DIR, [1] = SHADOW when given
};

struct OpenFile {
  std::vector<int> fds;  // one per root
  std::string path;      // as opened (may be gone since)
};

class Workload {
 public:
  Workload(Roots roots, std::uint64_t seed, bool lockstep) : roots_(std::move(roots)), rng_(seed), lockstep_(lockstep) {}

  // Runs one random operation; false on divergence.
  bool step(int index);
  void close_all() {
    for (OpenFile& f : open_)
      for (int fd : f.fds) close(fd);
    open_.clear();
  }
  const std::string& last() const { return last_; }

 private:
  std::uint64_t pick(std::uint64_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_); }
  bool chance(int percent) { return pick(100) < static_cast<std::uint64_t>(percent); }
  std::string at(std::size_t root, const std::string& rel) const { return roots_.dirs[root] + "/" + rel; }
  // The tree choices are read from: the shadow when there is one (native, fast).
  std::size_t primary() const { return roots_.dirs.size() - 1; }

  // Entries of the primary tree (the shadow holds the same), with their
  // modes as of the start of this step.
  std::vector<std::string> entries() {
    std::vector<std::string> out;
    modes_.clear();
    walk(roots_.dirs.back(), "", out, &modes_);
    return out;
  }
  mode_t mode_of(const std::string& rel) const {
    auto it = modes_.find(rel);
    return it == modes_.end() ? 0 : it->second;
  }
  std::vector<std::string> of_type(const std::vector<std::string>& all, mode_t type) const {
    std::vector<std::string> out;
    for (const std::string& rel : all)
      if ((mode_of(rel) & S_IFMT) == type) out.push_back(rel);
    return out;
  }
  std::string any_of(const std::vector<std::string>& v) { return v.empty() ? std::string() : v[pick(v.size())]; }
  std::string new_name() { return "n" + std::to_string(counter_++); }
  std::string dir_for_new(const std::vector<std::string>& all) {
    const std::vector<std::string> dirs = of_type(all, S_IFDIR);
    return dirs.empty() || chance(30) ? std::string() : any_of(dirs);
  }
  static std::string join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

  // Runs `f(root)` on each root; the errnos must agree.
  template <typename F>
  bool both(const char* what, F f) {
    int first = -1;
    for (std::size_t r = 0; r < roots_.dirs.size(); ++r) {
      errno = 0;
      const int rc = f(r);
      const int err = rc < 0 ? errno : 0;
      if (r == 0) {
        first = err;
      } else if (err != first && lockstep_) {
        std::fprintf(stderr, "fs_workload: diverged at %s: %s on the recorded tree, %s on the shadow\n", what,
                     std::strerror(first), std::strerror(err));
        return false;
      }
    }
    last_ = what;
    return true;
  }

  std::string data(std::size_t n) {
    std::string s(n, '\0');
    const char base = static_cast<char>('a' + pick(26));
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(base + (i % 7) + (chance(1) ? 1 : 0));
    return s;
  }
  std::size_t size() { return chance(80) ? pick(4096) + 1 : pick(40000) + 1; }
  off_t offset() { return static_cast<off_t>(chance(50) ? pick(8192) : pick(65536)); }

  bool op_open(const std::string& path);

  Roots roots_;
  std::mt19937_64 rng_;
  bool lockstep_;
  std::vector<OpenFile> open_;
  std::uint64_t counter_ = 0;
  std::string last_;
  std::map<std::string, mode_t> modes_;
};

bool Workload::op_open(const std::string& rel) {
  if (open_.size() >= kMaxOpenFiles) return true;
  OpenFile f;
  f.path = rel;
  const int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (chance(20) ? O_APPEND : 0);
  bool ok = both("open", [&](std::size_t r) {
    const int fd = open(at(r, rel).c_str(), flags);
    if (fd >= 0) f.fds.push_back(fd);
    return fd;
  });
  if (f.fds.size() == roots_.dirs.size()) {
    open_.push_back(f);
  } else {
    for (int fd : f.fds) close(fd);
  }
  return ok;
}

bool Workload::step(int index) {
  (void)index;
  const std::vector<std::string> all = entries();
  const std::vector<std::string> files = of_type(all, S_IFREG);
  const bool full = all.size() >= kMaxEntries;
  const int kind = static_cast<int>(pick(34));
  switch (kind) {
    case 0:
    case 1: {  // create a file (open O_CREAT, maybe O_EXCL), write a little
      if (full) return true;
      const std::string rel = join(dir_for_new(all), new_name());
      const mode_t mode = chance(10) ? 04755 : 0644;
      const std::string bytes = data(size());
      return both("create", [&](std::size_t r) {
        const int fd = open(at(r, rel).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0) return -1;
        const ssize_t n = write(fd, bytes.data(), bytes.size());
        close(fd);
        return n < 0 ? -1 : 0;
      });
    }
    case 2: {  // mkdir
      if (full) return true;
      const std::string rel = join(dir_for_new(all), new_name());
      const mode_t mode = chance(20) ? 02755 : 0755;
      return both("mkdir", [&](std::size_t r) { return mkdir(at(r, rel).c_str(), mode); });
    }
    case 3: {  // mknod: fifo, socket, char or block device
      if (full) return true;
      const std::string rel = join(dir_for_new(all), new_name());
      static const mode_t kTypes[] = {S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK};
      const mode_t type = kTypes[pick(4)];
      const dev_t dev = (type == S_IFCHR || type == S_IFBLK) ? makedev(1 + pick(200), pick(256)) : 0;
      return both("mknod", [&](std::size_t r) { return mknod(at(r, rel).c_str(), type | 0640, dev); });
    }
    case 4: {  // symlink
      if (full) return true;
      const std::string rel = join(dir_for_new(all), new_name());
      const std::string target = chance(50) ? any_of(all) : "dangling/" + new_name();
      return both("symlink", [&](std::size_t r) { return symlink(target.c_str(), at(r, rel).c_str()); });
    }
    case 5:
    case 6: {  // hard link of anything but a directory
      if (full) return true;
      std::vector<std::string> linkable;
      for (const std::string& p : all) {
        if (mode_of(p) != 0 && !S_ISDIR(mode_of(p))) linkable.push_back(p);
      }
      if (linkable.empty()) return true;
      const std::string from = any_of(linkable);
      const std::string rel = join(dir_for_new(all), new_name());
      return both("link", [&](std::size_t r) { return link(at(r, from).c_str(), at(r, rel).c_str()); });
    }
    case 7:
    case 8: {  // unlink a non-directory
      std::vector<std::string> victims;
      for (const std::string& p : all) {
        if (mode_of(p) != 0 && !S_ISDIR(mode_of(p))) victims.push_back(p);
      }
      if (victims.empty()) return true;
      const std::string rel = any_of(victims);
      return both("unlink", [&](std::size_t r) { return unlink(at(r, rel).c_str()); });
    }
    case 9: {  // rmdir (fails with ENOTEMPTY on both when not empty)
      const std::string rel = any_of(of_type(all, S_IFDIR));
      if (rel.empty()) return true;
      return both("rmdir", [&](std::size_t r) { return rmdir(at(r, rel).c_str()); });
    }
    case 10:
    case 11:
    case 12: {  // rename: plain, NOREPLACE, EXCHANGE, WHITEOUT
      if (all.empty()) return true;
      const std::string from = any_of(all);
      std::string to = chance(50) ? any_of(all) : join(dir_for_new(all), new_name());
      static const unsigned kFlags[] = {0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT};
      const unsigned flags = kFlags[pick(5)];
      return both(flags == RENAME_WHITEOUT ? "rename(WHITEOUT)" : flags == RENAME_EXCHANGE ? "rename(EXCHANGE)" : "rename",
                  [&](std::size_t r) { return renameat2(AT_FDCWD, at(r, from).c_str(), AT_FDCWD, at(r, to).c_str(), flags); });
    }
    case 13:
    case 14: {  // open a file and keep it (for writes through descriptors)
      const std::string rel = any_of(files);
      if (rel.empty()) return true;
      return op_open(rel);
    }
    case 15:
    case 16:
    case 17: {  // pwrite / write (append) through a kept descriptor, maybe unlinked since
      if (open_.empty()) return true;
      OpenFile& f = open_[pick(open_.size())];
      const std::string bytes = data(size());
      const off_t off = offset();
      return both("write", [&](std::size_t r) {
        return pwrite(f.fds[r], bytes.data(), bytes.size(), off) < 0 ? -1 : 0;
      });
    }
    case 18: {  // close a kept descriptor
      if (open_.empty()) return true;
      const std::size_t i = pick(open_.size());
      for (int fd : open_[i].fds) close(fd);
      open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(i));
      last_ = "close";
      return true;
    }
    case 19: {  // open O_TRUNC and write, or an O_SYNC write
      const std::string rel = any_of(files);
      if (rel.empty()) return true;
      const bool sync = chance(50);
      const std::string bytes = data(size());
      const off_t off = offset();
      return both(sync ? "write(O_SYNC)" : "open(O_TRUNC)", [&](std::size_t r) {
        const int sync_flag = r > 0 ? 0 : O_SYNC;
        const int fd = open(at(r, rel).c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW | (sync ? sync_flag : O_TRUNC));
        if (fd < 0) return -1;
        const ssize_t n = sync ? pwrite(fd, bytes.data(), bytes.size(), off) : write(fd, bytes.data(), bytes.size());
        close(fd);
        return n < 0 ? -1 : 0;
      });
    }
    case 20: {  // truncate by path or ftruncate
      const off_t len = static_cast<off_t>(pick(3) == 0 ? 0 : pick(70000));
      if (!open_.empty() && chance(50)) {
        OpenFile& f = open_[pick(open_.size())];
        return both("ftruncate", [&](std::size_t r) { return ftruncate(f.fds[r], len); });
      }
      const std::string rel = any_of(files);
      if (rel.empty()) return true;
      return both("truncate", [&](std::size_t r) { return truncate(at(r, rel).c_str(), len); });
    }
    case 21: {  // fallocate: allocate, keep size, punch hole, zero range
      if (open_.empty()) return true;
      OpenFile& f = open_[pick(open_.size())];
      static const int kModes[] = {0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                   FALLOC_FL_ZERO_RANGE};
      const int mode = kModes[pick(4)];
      const off_t off = offset();
      const off_t len = static_cast<off_t>(pick(20000) + 1);
      return both("fallocate", [&](std::size_t r) { return fallocate(f.fds[r], mode, off, len); });
    }
    case 22: {  // mmap write inside the file's current size (never past it: SIGBUS)
      if (open_.empty()) return true;
      OpenFile& f = open_[pick(open_.size())];
      struct stat st {};
      if (fstat(f.fds[0], &st) != 0 || st.st_size == 0) return true;
      const off_t at_byte = static_cast<off_t>(pick(static_cast<std::uint64_t>(st.st_size)));
      const std::size_t len = std::min<std::size_t>(size(), static_cast<std::size_t>(st.st_size - at_byte));
      const std::string bytes = data(len);
      return both("mmap write", [&](std::size_t r) {
        struct stat now {};
        if (fstat(f.fds[r], &now) != 0 || now.st_size < at_byte + static_cast<off_t>(len)) return 0;
        const off_t page = at_byte & ~static_cast<off_t>(4095);
        const std::size_t span = len + static_cast<std::size_t>(at_byte - page);
        void* m = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_SHARED, f.fds[r], page);
        if (m == MAP_FAILED) return -1;
        std::memcpy(static_cast<char*>(m) + (at_byte - page), bytes.data(), len);
        const int rc = msync(m, span, r > 0 ? MS_ASYNC : MS_SYNC);
        munmap(m, span);
        return rc;
      });
    }
    case 23: {  // copy_file_range between two files
      if (files.size() < 2) return true;
      const std::string from = any_of(files);
      const std::string to = any_of(files);
      const off_t in_off = offset();
      const off_t out_off = offset();
      const std::size_t len = size();
      return both("copy_file_range", [&](std::size_t r) {
        const int in = open(at(r, from).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        const int out = open(at(r, to).c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        int rc = in < 0 || out < 0 ? -1 : 0;
        loff_t a = in_off;
        loff_t b = out_off;
        if (rc == 0 && copy_file_range(in, &a, out, &b, len, 0) < 0) rc = -1;
        const int saved = errno;
        if (in >= 0) close(in);
        if (out >= 0) close(out);
        errno = saved;
        return rc;
      });
    }
    case 24: {  // chmod, set-id bits included
      if (all.empty()) return true;
      const std::string rel = any_of(all);
      struct stat st {};
      if (lstat(at(primary(), rel).c_str(), &st) != 0 || S_ISLNK(st.st_mode)) return true;
      static const mode_t kModes[] = {0644, 0600, 0755, 04755, 02755, 06750, 01777, 0444, 02644};
      const mode_t mode = kModes[pick(9)];
      return both("chmod", [&](std::size_t r) { return chmod(at(r, rel).c_str(), mode); });
    }
    case 25: {  // chown / lchown
      if (all.empty()) return true;
      const std::string rel = any_of(all);
      static const uid_t kIds[] = {0, 1000, 1001, 65534};
      const uid_t uid = chance(70) ? kIds[pick(4)] : static_cast<uid_t>(-1);
      const gid_t gid = kIds[pick(4)];
      return both("chown", [&](std::size_t r) { return lchown(at(r, rel).c_str(), uid, gid); });
    }
    case 26: {  // utimes (times are not compared, but the op is recorded)
      if (all.empty()) return true;
      const std::string rel = any_of(all);
      const struct timespec times[2] = {{1000000, 0}, {static_cast<time_t>(2000000 + pick(1000)), 0}};
      return both("utimensat", [&](std::size_t r) {
        return utimensat(AT_FDCWD, at(r, rel).c_str(), times, AT_SYMLINK_NOFOLLOW);
      });
    }
    case 27:
    case 28: {  // setxattr (user.* on files and dirs, trusted.* on anything)
      if (all.empty()) return true;
      const std::string rel = any_of(all);
      struct stat st {};
      if (lstat(at(primary(), rel).c_str(), &st) != 0) return true;
      const bool user_ok = S_ISREG(st.st_mode) || S_ISDIR(st.st_mode);
      const std::string name = std::string(user_ok && chance(70) ? "user." : "trusted.") + "a" + std::to_string(pick(4));
      const std::string value = data(pick(64));
      return both("setxattr", [&](std::size_t r) {
        return lsetxattr(at(r, rel).c_str(), name.c_str(), value.data(), value.size(), 0);
      });
    }
    case 29: {  // removexattr of one that is there
      if (all.empty()) return true;
      const std::string rel = any_of(all);
      const std::vector<std::string> names = list_xattrs(at(primary(), rel));
      if (names.empty()) return true;
      const std::string name = any_of(names);
      return both("removexattr", [&](std::size_t r) { return lremovexattr(at(r, rel).c_str(), name.c_str()); });
    }
    case 30: {  // fsync / fdatasync of a kept descriptor
      if (open_.empty()) return true;
      OpenFile& f = open_[pick(open_.size())];
      const bool data_only = chance(50);
      // Durability of the shadow does not matter: it is never synced (fast).
      return both(data_only ? "fdatasync" : "fsync", [&](std::size_t r) {
        return r > 0 ? 0 : data_only ? fdatasync(f.fds[r]) : fsync(f.fds[r]);
      });
    }
    case 31: {  // directory fsync
      const std::string rel = chance(30) ? std::string() : any_of(of_type(all, S_IFDIR));
      return both("fsync(dir)", [&](std::size_t r) {
        const int fd = open(rel.empty() ? roots_.dirs[r].c_str() : at(r, rel).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return -1;
        const int rc = r > 0 ? 0 : fsync(fd);
        close(fd);
        return rc;
      });
    }
    case 32: {  // write a whole new file and rename it over another (the atomic-replace idiom)
      const std::string target = any_of(files);
      if (target.empty() || full) return true;
      const std::string tmp = join(dir_for_new(all), new_name());
      const std::string bytes = data(size());
      return both("replace", [&](std::size_t r) {
        const int fd = open(at(r, tmp).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) return -1;
        const ssize_t n = write(fd, bytes.data(), bytes.size());
        close(fd);
        return n < 0 ? -1 : rename(at(r, tmp).c_str(), at(r, target).c_str());
      });
    }
    default: {  // append through O_APPEND
      const std::string rel = any_of(files);
      if (rel.empty()) return true;
      const std::string bytes = data(size());
      return both("append", [&](std::size_t r) {
        const int fd = open(at(r, rel).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) return -1;
        const ssize_t n = write(fd, bytes.data(), bytes.size());
        close(fd);
        return n < 0 ? -1 : 0;
      });
    }
  }
}

// ---------------------------------------------------------------- prepare

int prepare(const std::string& dir, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); };
  auto path = [&](const std::string& rel) { return dir + "/" + rel; };
  auto must = [&](int rc, const std::string& what) {
    if (rc != 0) {
      std::fprintf(stderr, "fs_workload prepare: %s: %s\n", what.c_str(), std::strerror(errno));
      std::exit(1);
    }
  };
  must(mkdir(path("d1").c_str(), 0755), "mkdir d1");
  must(mkdir(path("d1/d2").c_str(), 0775), "mkdir d1/d2");
  must(chmod(path("d1/d2").c_str(), 02775), "chmod d1/d2");
  must(mkdir(path("d3").c_str(), 0700), "mkdir d3");
  static const char* kDirs[] = {"", "d1/", "d1/d2/", "d3/"};
  for (int i = 0; i < 12; ++i) {
    const std::string rel = std::string(kDirs[i % 4]) + "f" + std::to_string(i);
    const int fd = open(path(rel).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    must(fd < 0 ? -1 : 0, "create " + rel);
    std::string bytes(pick(9000) + (i % 3 == 0 ? 0 : 1), static_cast<char>('A' + i));
    must(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) ? 0 : -1, "write " + rel);
    close(fd);
    if (i % 4 == 1) must(lsetxattr(path(rel).c_str(), "user.pre", "v1", 2, 0), "setxattr " + rel);
    if (i % 5 == 2) must(lsetxattr(path(rel).c_str(), "trusted.pre", "t", 1, 0), "setxattr trusted " + rel);
    if (i == 3) must(chmod(path(rel).c_str(), 04755), "chmod " + rel);
    if (i == 4) must(chmod(path(rel).c_str(), 02750), "chmod " + rel);
    if (i % 3 == 2) must(lchown(path(rel).c_str(), 1000, 1001), "chown " + rel);
  }
  // Hard links of files across directories, of a symlink, of a fifo.
  must(link(path("f0").c_str(), path("d1/f0.link").c_str()), "link f0");
  must(link(path("f0").c_str(), path("d3/f0.link2").c_str()), "link f0 again");
  must(link(path("d1/f1").c_str(), path("f1.link").c_str()), "link d1/f1");
  must(symlink("f0", path("s0").c_str()), "symlink s0");
  must(link(path("s0").c_str(), path("d1/s0.link").c_str()), "link s0");
  must(symlink("../d3/missing", path("d1/s1").c_str()), "symlink d1/s1");
  must(lsetxattr(path("s0").c_str(), "trusted.sym", "x", 1, 0), "setxattr s0");
  must(lchown(path("d1/s1").c_str(), 1001, 1000), "chown d1/s1");
  must(mknod(path("fifo").c_str(), S_IFIFO | 0640, 0), "mkfifo");
  must(link(path("fifo").c_str(), path("d3/fifo.link").c_str()), "link fifo");
  must(mknod(path("d1/sock").c_str(), S_IFSOCK | 0755, 0), "mknod socket");
  must(mknod(path("chr").c_str(), S_IFCHR | 0600, makedev(1, 3)), "mknod chr");
  must(mknod(path("d3/blk").c_str(), S_IFBLK | 0660, makedev(7, 200)), "mknod blk");
  must(mknod(path("wh").c_str(), S_IFCHR, makedev(0, 0)), "mknod whiteout-like");
  must(lsetxattr(path("d1").c_str(), "user.dir", "d", 1, 0), "setxattr d1");
  must(lchown(path("d3").c_str(), 1000, 1000), "chown d3");
  return 0;
}

// ---------------------------------------------------------------- run

bool mark(const std::string& dir, const std::string& label) {
  return lsetxattr(dir.c_str(), "user.crashfs.mark", label.data(), label.size(), 0) == 0;
}

bool write_manifest(const std::string& root, const std::string& out_path) {
  FILE* f = std::fopen(out_path.c_str(), "w");
  if (f == nullptr) return false;
  fflush(stdout);
  const int saved = dup(1);
  dup2(fileno(f), 1);
  manifest(root);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  std::fclose(f);
  return true;
}

sigjmp_buf g_bus;
int g_step = 0;  // a global: survives the siglongjmp
void on_bus(int) { siglongjmp(g_bus, 1); }

int run(const std::string& dir, std::uint64_t seed, int ops, int procs, const std::string& shadow,
        const std::string& snapshots, const std::set<int>& at) {
  if (procs > 1) {
    std::vector<pid_t> kids;
    for (int p = 0; p < procs; ++p) {
      const pid_t pid = fork();
      if (pid == 0) {
        // Another process may truncate a file this one maps: a SIGBUS then
        // skips the operation.
        signal(SIGBUS, on_bus);
        Workload w(Roots{{dir}}, seed + static_cast<std::uint64_t>(p) * 7919, false);
        for (g_step = 0; g_step < ops / procs; ++g_step) {
          if (sigsetjmp(g_bus, 1) != 0) continue;
          w.step(g_step);
        }
        w.close_all();
        _exit(0);
      }
      kids.push_back(pid);
    }
    int rc = 0;
    for (pid_t pid : kids) {
      int status = 0;
      waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) rc = 1;
    }
    return rc;
  }
  Roots roots{{dir}};
  if (!shadow.empty()) roots.dirs.push_back(shadow);
  Workload w(roots, seed, !shadow.empty());
  for (int i = 1; i <= ops; ++i) {
    if (!w.step(i)) {
      std::fprintf(stderr, "fs_workload: operation %d (seed %llu) diverged\n", i, static_cast<unsigned long long>(seed));
      return kExitDiverged;
    }
    if (at.count(i) && !shadow.empty()) {
      const std::string label = "op-" + std::to_string(i);
      if (!mark(dir, label)) {
        std::fprintf(stderr, "fs_workload: cannot set the mark xattr on %s: %s\n", dir.c_str(), std::strerror(errno));
        return 1;
      }
      if (!write_manifest(shadow, snapshots + "/" + label + ".manifest")) {
        std::fprintf(stderr, "fs_workload: cannot write %s/%s.manifest\n", snapshots.c_str(), label.c_str());
        return 1;
      }
      std::printf("%s %s\n", label.c_str(), w.last().c_str());
    }
  }
  w.close_all();
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: fs_workload prepare DIR --seed S\n"
               "       fs_workload run DIR --seed S --ops N [--procs P] [--shadow SHADOW --snapshots OUT --at K,...]\n"
               "       fs_workload manifest DIR\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string cmd = argv[1];
  const std::string dir = argv[2];
  std::uint64_t seed = 1;
  int ops = 100;
  int procs = 1;
  std::string shadow;
  std::string snapshots;
  std::set<int> at;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string v = argv[++i];
    if (a == "--seed") {
      seed = std::strtoull(v.c_str(), nullptr, 10);
    } else if (a == "--ops") {
      ops = std::atoi(v.c_str());
    } else if (a == "--procs") {
      procs = std::max(1, std::atoi(v.c_str()));
    } else if (a == "--shadow") {
      shadow = v;
    } else if (a == "--snapshots") {
      snapshots = v;
    } else if (a == "--at") {
      for (std::size_t pos = 0; pos < v.size();) {
        const std::size_t comma = v.find(',', pos);
        at.insert(std::atoi(v.substr(pos, comma - pos).c_str()));
        pos = comma == std::string::npos ? v.size() : comma + 1;
      }
    } else {
      return usage();
    }
  }
  if (cmd == "prepare") return prepare(dir, seed);
  if (cmd == "manifest") return manifest(dir);
  if (cmd == "run") {
    if (!shadow.empty() && snapshots.empty()) return usage();
    return run(dir, seed, ops, procs, shadow, snapshots, at);
  }
  return usage();
}
