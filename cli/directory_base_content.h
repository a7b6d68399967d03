// DirectoryBaseContent: BaseContent over a real directory (the recorded
// directory after the run, or --base DIR).
//
// Paths come from the trace and are resolved beneath the directory only
// (cli/beneath.h: no "..", no symlinks followed); a symlink at the path
// itself yields its target.  Bytes are read once and kept for the object's
// lifetime.
#pragma once

#include <deque>
#include <string>

#include "cli/beneath.h"
#include "core/base_content.h"

namespace crashfs::cli {

class DirectoryBaseContent : public BaseContent {
 public:
  // Opens `dir`; the error names it.
  Status open(const std::string& dir);
  const std::string& dir() const { return dir_; }
  int fd() const { return fd_.get(); }

  Status read(std::string_view path, std::string_view& out) override;

 private:
  std::string dir_;
  Fd fd_;
  std::deque<std::string> contents_;
};

}  // namespace crashfs::cli
