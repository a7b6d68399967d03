#include "host/state_tree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "host/beneath.h"

namespace crashfs::host {
namespace {

std::int64_t ctime_ns(const struct stat& st) {
  return std::int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec;
}

std::int64_t coarse_now_ns() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The entry is still what was recorded.
bool unchanged(const WrittenEntry& w, const struct stat& st) {
  return w.ino == st.st_ino && w.ctime_ns == ctime_ns(st) && w.mode == st.st_mode &&
         (w.directory || w.size == static_cast<std::uint64_t>(st.st_size));
}

// The names in directory `fd` (none when it cannot be listed).
std::vector<std::string> names_in(int fd) {
  std::vector<std::string> names;
  entry_names(fd, names);
  return names;
}

// Marks `rel`'s ancestors (the root included) as not known any more: their
// metadata is set again, and a subtree copied from the base is copied
// again.  (No entry written has the zero signature.)
void forget_ancestors(TreeRecord& record, std::string rel) {
  while (!rel.empty()) {
    const auto slash = rel.rfind('/');
    rel = slash == std::string::npos ? std::string() : rel.substr(0, slash);
    if (auto it = record.find(rel); it != record.end()) it->second.signature = ContentHash{};
  }
}

}  // namespace

StateTree::ChangeClock probe_change_clock(int dir_fd) {
  const char* name = ".crashfs-ctime-probe";
  Fd fd(::openat(dir_fd, name, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return StateTree::ChangeClock::kNone;
  bool fine = true, sub_second = false;
  std::int64_t last = -1;
  for (int i = 0; i < 8; ++i) {
    struct stat st {};
    if (::pwrite(fd.get(), "x", 1, i) != 1 || ::fstat(fd.get(), &st) != 0) {
      fine = false;
      break;
    }
    const std::int64_t now = ctime_ns(st);
    if (now <= last) fine = false;
    if (st.st_ctim.tv_nsec != 0) sub_second = true;
    last = now;
  }
  ::unlinkat(dir_fd, name, 0);
  if (fine) return StateTree::ChangeClock::kFineGrained;
  // Coarse but nanosecond-stamped, and from the clock we can wait on.
  const std::int64_t gap = coarse_now_ns() - last;
  if (sub_second && gap >= 0 && gap < 1'000'000'000) return StateTree::ChangeClock::kCoarse;
  return StateTree::ChangeClock::kNone;
}

StateTree::StateTree(const TreeSource& source, ChangeClock clock) : source_(source), clock_(clock) {
  mentioned_ = mentioned_entries(source_.builder->index().trace());
  source_.mentioned = &mentioned_;
  source_.listings = &listings_;
}

StateTree::~StateTree() {
  if (path_.empty()) return;
  const auto slash = path_.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : path_.substr(0, slash == 0 ? 1 : slash);
  Fd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (parent_fd) remove_tree(parent_fd.get(), path_.substr(slash + 1).c_str());
}

Status StateTree::create(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0)
    return Status::io_error(fmt::format("cannot create the state directory {}: {} (set TMPDIR to a writable directory)",
                                        path, std::strerror(errno)));
  path_ = path;
  Fd fd(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0)
    return Status::io_error(fmt::format("cannot open the state directory {}: {}", path, std::strerror(errno)));
  root_ino_ = st.st_ino;
  if (clock_ == ChangeClock::kProbe) clock_ = probe_change_clock(fd.get());
  return Status::ok();
}

int StateTree::reset() {
  record_.clear();
  Fd fd(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || st.st_ino != root_ino_) {
    // The command removed or replaced the directory itself: make it again.
    const auto slash = path_.rfind('/');
    Fd parent(::open(path_.substr(0, slash == 0 ? 1 : slash).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent) return -1;
    remove_tree(parent.get(), path_.substr(slash + 1).c_str());
    if (::mkdir(path_.c_str(), 0700) != 0) return -1;
    fd = Fd(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd || ::fstat(fd.get(), &st) != 0) return -1;
    root_ino_ = st.st_ino;
    return fd.release();
  }
  for (const std::string& name : names_in(fd.get())) remove_tree(fd.get(), name.c_str());
  return fd.release();
}

// `listed`: the directory's record matched, so nothing was added to it or
// removed from it (that would have changed its ctime) and its entries are
// the recorded ones; else it is listed.
void StateTree::verify_dir(int dirfd, const std::string& rel, bool listed, TreeRecord& fresh) {
  std::vector<std::string> names;
  if (listed) {
    for (auto& [name, is_dir] : recorded_children(record_, rel)) names.push_back(std::move(name));
  } else {
    names = names_in(dirfd);
  }
  for (const std::string& name : names) {
    const std::string p = join_path(rel, name);
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    auto it = record_.find(p);
    const bool known = it != record_.end();
    const bool same = known && unchanged(it->second, st);
    if (same) {
      fresh.emplace(p, it->second);
    } else {
      forget_ancestors(fresh, p);
      // A directory we made keeps its entries (each is looked at below),
      // its metadata no longer known; anything else changed, or unknown,
      // goes.
      if (!(known && it->second.directory && S_ISDIR(st.st_mode))) {
        remove_tree(dirfd, name.c_str());
        continue;
      }
      WrittenEntry stale = it->second;
      stale.signature = ContentHash{};
      fresh.emplace(p, stale);
    }
    if (!S_ISDIR(st.st_mode)) continue;
    Fd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub) {
      // Not listable (a command took the permissions away): gone whole.
      forget_ancestors(fresh, p);
      fresh.erase(p);
      remove_tree(dirfd, name.c_str());
      continue;
    }
    verify_dir(sub.get(), p, same, fresh);
  }
}

void StateTree::verify(int root_fd) {
  TreeRecord fresh;
  struct stat st {};
  bool same = false;
  if (auto it = record_.find(""); it != record_.end() && ::fstat(root_fd, &st) == 0) {
    same = unchanged(it->second, st);
    fresh.emplace("", it->second);
    if (!same) fresh[""].signature = ContentHash{};
  }
  verify_dir(root_fd, "", same, fresh);
  record_ = std::move(fresh);
}

void StateTree::wait_for_clock() const {
  if (clock_ != ChangeClock::kCoarse) return;
  std::int64_t latest = 0;
  for (const auto& [rel, entry] : record_) latest = std::max(latest, entry.ctime_ns);
  while (coarse_now_ns() <= latest) std::this_thread::sleep_for(std::chrono::microseconds(200));
}

Status StateTree::sync(const FsImage& image, ReplayStats& stats) {
  if (path_.empty()) return Status::invalid_argument("state tree: sync before create");
  int root = -1;
  {
    Fd fd(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (clock_ != ChangeClock::kNone && fd && ::fstat(fd.get(), &st) == 0 && st.st_ino == root_ino_) {
      verify(fd.get());
      root = fd.release();
    }
  }
  if (root < 0 && (root = reset()) < 0)
    return Status::io_error(fmt::format("cannot empty the state directory {}: {}", path_, std::strerror(errno)));
  Fd root_fd(root);
  Status st = write_tree(source_, image, root_fd.get(), &record_, stats);
  if (!st) {
    const Fd emptied(reset());
    return st;
  }
  wait_for_clock();
  return Status::ok();
}

}  // namespace crashfs::host
