#include "fusefs/process_table.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <string_view>

namespace crashfs::fusefs {
namespace {

bool read_small_file(const char* path, std::string& out) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[2048];
  const ssize_t n = ::read(fd, buf, sizeof buf);  // Name and Tgid are in the first lines
  ::close(fd);
  if (n <= 0) return false;
  out.assign(buf, static_cast<std::size_t>(n));
  return true;
}

}  // namespace

bool parse_proc_status(const std::string& text, std::uint32_t& tgid, std::string& name) {
  bool have_name = false;
  bool have_tgid = false;
  std::string_view rest(text);
  while (!rest.empty() && !(have_name && have_tgid)) {
    const std::size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
    if (line.starts_with("Name:")) {
      line.remove_prefix(5);
      while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) line.remove_prefix(1);
      name.assign(line);
      have_name = true;
    } else if (line.starts_with("Tgid:")) {
      line.remove_prefix(5);
      while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) line.remove_prefix(1);
      have_tgid = std::from_chars(line.data(), line.data() + line.size(), tgid).ec == std::errc{};
    }
  }
  return have_name && have_tgid;
}

ProcessTable::~ProcessTable() {
  for (auto& [tid, entry] : by_tid_) {
    if (entry.comm_fd >= 0) ::close(entry.comm_fd);
  }
}

bool ProcessTable::current_comm(Entry& entry, std::string& name) {
  if (entry.comm_fd < 0) return false;
  char buf[64];
  const ssize_t n = ::pread(entry.comm_fd, buf, sizeof buf, 0);
  if (n <= 0) return false;  // ESRCH: the thread exited (its id may be reused)
  std::size_t len = static_cast<std::size_t>(n);
  if (buf[len - 1] == '\n') --len;
  name.assign(buf, len);
  return true;
}

void ProcessTable::sweep_dead_threads() {
  std::string name;
  for (auto it = by_tid_.begin(); it != by_tid_.end();) {
    if (current_comm(it->second, name)) {
      ++it;
      continue;
    }
    if (it->second.comm_fd >= 0) ::close(it->second.comm_fd);
    it = by_tid_.erase(it);
  }
}

Caller ProcessTable::identify(std::uint32_t tid) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = by_tid_.find(tid);
    if (it != by_tid_.end() && now - it->second.read_at < kRefreshAfter) {
      std::string name;
      if (current_comm(it->second, name) && name == *it->second.caller.comm) return it->second.caller;
    }
  }
  Caller caller;
  caller.tid = tid;
  caller.pid = tid;
  std::string status;
  std::string name = "?";
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%u/status", tid);
  if (tid != 0 && read_small_file(path, status)) {
    std::uint32_t tgid = tid;
    if (parse_proc_status(status, tgid, name)) caller.pid = tgid;
  }
  std::lock_guard lock(mutex_);
  if (by_tid_.size() > kSweepAbove) sweep_dead_threads();
  Entry& entry = by_tid_[tid];
  if (!entry.caller.comm || *entry.caller.comm != name || entry.caller.pid != caller.pid) {
    caller.comm = std::make_shared<const std::string>(std::move(name));
    entry.caller = caller;
  }
  // A fresh descriptor: the old one may belong to an exited thread whose id was reused.
  if (entry.comm_fd >= 0) ::close(entry.comm_fd);
  std::snprintf(path, sizeof path, "/proc/%u/comm", tid);
  entry.comm_fd = tid != 0 ? ::open(path, O_RDONLY | O_CLOEXEC) : -1;
  entry.read_at = now;
  return entry.caller;
}

}  // namespace crashfs::fusefs
