#include "host/mount_table.h"

#include <cctype>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace crashfs::host {
namespace {

// Undoes the octal escapes of /proc/self/mounts (space, tab, newline, backslash).
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isdigit(static_cast<unsigned char>(s[i + 2])) && std::isdigit(static_cast<unsigned char>(s[i + 3]))) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::vector<MountEntry> read_mounts() {
  std::vector<MountEntry> out;
  std::ifstream in("/proc/self/mounts");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    MountEntry m;
    if (fields >> m.source >> m.mount_point >> m.type) {
      m.source = unescape(m.source);
      m.mount_point = unescape(m.mount_point);
      out.push_back(std::move(m));
    }
  }
  return out;
}

bool is_crashfs_mount(const MountEntry& m) { return m.type == "fuse.crashfs" || (m.source == "crashfs" && m.type.starts_with("fuse")); }

int crashfs_mounts_at(const std::string& mount_point) {
  int n = 0;
  for (const MountEntry& m : read_mounts()) {
    if (m.mount_point == mount_point && is_crashfs_mount(m)) ++n;
  }
  return n;
}

std::string absolute_path_lexically(const std::string& path) {
  std::filesystem::path p = std::filesystem::absolute(path).lexically_normal();
  std::string s = p.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  p = s;
  if (p == p.root_path()) return s;
  char resolved[PATH_MAX];
  if (realpath(p.parent_path().c_str(), resolved) == nullptr) return s;
  std::filesystem::path parent(resolved);
  return (parent / p.filename()).string();
}

}  // namespace crashfs::host
