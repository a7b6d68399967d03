// A read-only memory map of a whole file (traces are read zero-copy).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace crashfs::host {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Maps `path`; the error names the file and the reason.
  Status open(const std::string& path);
  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace crashfs::host
