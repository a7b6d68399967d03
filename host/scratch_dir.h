// ScratchDir: a private temporary directory (on tmpfs when /dev/shm is
// available) removed with everything in it when the object dies.  The
// host's ScratchSpace (checkers/checker_host.h), for checkers that need
// real files: sqlite (libsqlite3 opens paths) and cmd.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "checkers/checker_host.h"
#include "core/status.h"

namespace crashfs::host {

class ScratchDir : public ScratchSpace {
 public:
  ScratchDir() = default;
  ~ScratchDir() override;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Creates the directory; `purpose` goes into its name (crashfs-PURPOSE-XXXXXX).
  Status create(std::string_view purpose);
  const std::string& path() const override { return path_; }
  // Writes `bytes` to `name` (a plain file name, no slashes) inside it.
  Status write_file(std::string_view name, std::string_view bytes) const override;
  // Removes everything inside, keeping the directory.
  void clear() const override;

 private:
  std::string path_;
};

// A ScratchFactory (checkers/checker_host.h) that makes ScratchDirs.
Status make_scratch_dir(std::string_view purpose, std::unique_ptr<ScratchSpace>& out);

}  // namespace crashfs::host
