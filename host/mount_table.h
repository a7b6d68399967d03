// The mount table, as /proc/self/mounts lists it: finding crashfs mounts.
//
// A crashfs mount has source "crashfs" and type "fuse.crashfs" (set by
// fusefs/fuse_mount.cpp).  Mount points are decoded (\040 -> space, ...).
#pragma once

#include <string>
#include <vector>

namespace crashfs::host {

struct MountEntry {
  std::string source;
  std::string mount_point;
  std::string type;
};

std::vector<MountEntry> read_mounts();
bool is_crashfs_mount(const MountEntry& m);
// Number of crashfs mounts stacked on `mount_point` (an absolute path).
int crashfs_mounts_at(const std::string& mount_point);
// `path` made absolute without resolving its last component (which may be
// a dead mount that cannot be stat'ed); parents are resolved with realpath.
std::string absolute_path_lexically(const std::string& path);

}  // namespace crashfs::host
