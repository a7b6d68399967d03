// ScratchDir: a private temporary directory (on tmpfs when /dev/shm is
// available) removed with everything in it when the object dies, or when
// crashfs is stopped by SIGINT, SIGTERM or SIGHUP (child_groups.h).  The cmd:
// and dump: checkers write crash states into one
// (host/state_command_runner.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "host/child_groups.h"

namespace crashfs::host {

class ScratchDir {
 public:
  ScratchDir() = default;
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Creates the directory; `purpose` goes into its name (crashfs-PURPOSE-XXXXXX).
  Status create(std::string_view purpose);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<RemovedOnSignal> removed_on_signal_;  // also when crashfs is stopped by a signal
};

}  // namespace crashfs::host
