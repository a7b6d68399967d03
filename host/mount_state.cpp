#include "host/mount_state.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace crashfs::host {
namespace {

// FNV-1a: a stable name for a mount point (std::hash may change between builds).
std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string stem(const std::string& dir) { return fmt::format("{}/{:016x}", mount_state_dir(), fnv1a(dir)); }

}  // namespace

std::string mount_state_dir() {
  if (const char* env = std::getenv("CRASHFS_RUN_DIR"); env != nullptr && *env != '\0') return env;
  if (geteuid() == 0) return "/run/crashfs";
  return fmt::format("/tmp/crashfs-{}", geteuid());
}

std::string mount_state_path(const std::string& dir) { return stem(dir) + ".json"; }
std::string mount_log_path(const std::string& dir) { return stem(dir) + ".log"; }

Status write_mount_state(const MountState& s) {
  const std::string root = mount_state_dir();
  if (::mkdir(root.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::io_error(fmt::format("cannot create the mount state directory {}: {} (set CRASHFS_RUN_DIR to a "
                                        "writable directory)",
                                        root, std::strerror(errno)));
  }
  nlohmann::json j;
  j["kind"] = s.kind;
  j["pid"] = s.pid;
  j["pid_start"] = s.pid_start;
  j["dir"] = s.dir;
  j["trace"] = s.trace;
  if (!s.state.empty()) j["state"] = s.state;
  j["log"] = s.log;
  j["since_ns"] = s.since_ns;
  j["records"] = s.records;
  j["bytes"] = s.bytes;
  const std::string path = mount_state_path(s.dir);
  const std::string tmp = fmt::format("{}.{}.tmp", path, getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump() << "\n";
    if (!out.flush()) {
      return Status::io_error(fmt::format("cannot write the mount state file {} (set CRASHFS_RUN_DIR to a writable "
                                          "directory)",
                                          tmp));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return Status::io_error(fmt::format("cannot rename {} to {}: {}", tmp, path, std::strerror(err)));
  }
  return Status::ok();
}

Status read_mount_state(const std::string& dir, MountState& out) {
  const std::string path = mount_state_path(dir);
  std::ifstream in(path);
  if (!in) return Status::not_found(fmt::format("no crashfs mount state for {} ({})", dir, path));
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("pid") || !j.contains("dir") || j["dir"] != dir) {
    return Status::corruption(fmt::format("the mount state file {} is damaged: remove it", path));
  }
  out.kind = j.value("kind", "record");
  out.pid = j.value("pid", 0);
  out.pid_start = j.value("pid_start", std::uint64_t{0});
  out.dir = j.value("dir", "");
  out.trace = j.value("trace", "");
  out.state = j.value("state", "");
  out.log = j.value("log", "");
  out.since_ns = j.value("since_ns", std::int64_t{0});
  out.records = j.value("records", std::uint64_t{0});
  out.bytes = j.value("bytes", std::uint64_t{0});
  return Status::ok();
}

void remove_mount_state(const std::string& dir) { std::remove(mount_state_path(dir).c_str()); }

char process_state(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(in, line)) return 0;
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() ? line[paren + 2] : 0;
}

std::uint64_t process_start_time(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(in, line)) return 0;
  const auto paren = line.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos) return 0;
  std::istringstream fields(line.substr(paren + 2));
  std::string field;
  // After the name: state is field 3; starttime is field 22.
  char state = 0;
  fields >> state;
  if (state == 'Z' || state == 'X') return 0;
  for (int i = 4; i < 22 && fields >> field; ++i) {
  }
  std::uint64_t start = 0;
  fields >> start;
  return start;
}

bool mount_process_alive(const MountState& s) {
  if (s.pid <= 0) return false;
  const std::uint64_t start = process_start_time(s.pid);
  return start != 0 && (s.pid_start == 0 || start == s.pid_start);
}

}  // namespace crashfs::host
