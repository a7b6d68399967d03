// ScratchDir: a private temporary directory (on tmpfs when /dev/shm is
// available) removed with everything in it when the object dies.  Used by
// checkers that need real files: sqlite (libsqlite3 opens paths) and cmd.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace crashfs::cli {

class ScratchDir {
 public:
  ScratchDir() = default;
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Creates the directory; `purpose` goes into its name (crashfs-PURPOSE-XXXXXX).
  Status create(std::string_view purpose);
  const std::string& path() const { return path_; }
  // Writes `bytes` to `name` (a plain file name, no slashes) inside it.
  Status write_file(std::string_view name, std::string_view bytes) const;
  // Removes everything inside, keeping the directory.
  void clear() const;

 private:
  std::string path_;
};

}  // namespace crashfs::cli
