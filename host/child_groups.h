// Process groups of checker commands that must not outlive crashfs.
//
// A cmd:/dump: checker runs in its own process group (so a timeout can kill
// the whole command), which also means a SIGINT/SIGTERM sent to crashfs
// does not reach it.  While a ChildGroup is alive its group is registered;
// the first registration installs handlers for SIGINT, SIGTERM and SIGHUP
// (only where the disposition is still the default) that SIGKILL every
// registered group, then let the signal take its default effect on crashfs.
//
// Scratch directories must not outlive crashfs either: while a
// RemovedOnSignal is alive, the handler also removes its directory (rm -rf
// in a process of its own, started after the groups are killed).
//
// Thread-safe: registration is a lock-free slot array, usable from several
// checking threads at once; the handler only calls async-signal-safe
// functions.  At most kMaxChildGroups groups are tracked at once; beyond
// that a group is simply not tracked (it still dies with its timeout).
// Likewise at most kMaxRemovedDirs directories (beyond that one stays).
#pragma once

#include <string>

#include <sys/types.h>

#include <cstddef>

namespace crashfs::host {

inline constexpr std::size_t kMaxChildGroups = 256;
inline constexpr std::size_t kMaxRemovedDirs = 64;

class ChildGroup {
 public:
  explicit ChildGroup(pid_t pgid);
  ~ChildGroup();
  ChildGroup(const ChildGroup&) = delete;
  ChildGroup& operator=(const ChildGroup&) = delete;

 private:
  int slot_ = -1;
};

class RemovedOnSignal {
 public:
  // `path`: absolute, shorter than PATH_MAX, with "/crashfs-" in it (a
  // scratch directory's name; else it is not removed).
  explicit RemovedOnSignal(const std::string& path);
  ~RemovedOnSignal();
  RemovedOnSignal(const RemovedOnSignal&) = delete;
  RemovedOnSignal& operator=(const RemovedOnSignal&) = delete;

 private:
  int slot_ = -1;
};

}  // namespace crashfs::host
