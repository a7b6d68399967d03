// DirectoryBaseContent: BaseContent over a real directory (the recorded
// directory after the run, or --base DIR).
//
// Paths come from the trace and are resolved beneath the directory only
// (host/beneath.h: no "..", no symlinks followed); a symlink at the path
// itself yields its target.  Bytes are read once and kept for the object's
// lifetime.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "core/base_content.h"
#include "host/beneath.h"

namespace crashfs::host {

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

// The base of a trace's states: `explicit_dir` (--base) when given, and
// then failing to open it is an error naming it; else the recorded directory
// named in the trace, and if that is gone `out` stays null and the result is
// ok (the caller decides whether the states need it).
Status open_state_base(const std::string& recorded_dir, const std::string& explicit_dir,
                       std::unique_ptr<DirectoryBaseContent>& out);

}  // namespace crashfs::host
