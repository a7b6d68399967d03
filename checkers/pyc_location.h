// Where a .pyc's source is, and which interpreter reads the file.
//
// Contract (pure path arithmetic, mirroring importlib.util.source_from_cache
// and Python 2's import.c):
//   DIR/__pycache__/NAME.TAG[.opt-N].pyc  read by the interpreter whose cache
//       tag is TAG ("cpython-311"), only while DIR/NAME.py exists;
//   DIR/NAME.pyc                          legacy location: read by Python 2
//       beside DIR/NAME.py (Python 3 ignores it then), and by any
//       interpreter as a sourceless module when NAME.py does not exist.
// Paths are relative and '/'-separated, as in StateView.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "checkers/pyc_format.h"

namespace crashfs {

struct PycLocation {
  enum class Kind { kPycache, kLegacy };
  Kind kind = Kind::kLegacy;
  std::string source_path;                // "pkg/big.py"
  std::string cache_tag;                  // "cpython-311" (kPycache only)
  const PythonRelease* reader = nullptr;  // the release with that tag; nullptr if unknown or legacy
};

// nullopt when no loader would ever read a file of that name (not *.pyc, or
// a __pycache__ name importlib cannot map back to a source).
std::optional<PycLocation> locate_pyc(std::string_view path);

}  // namespace crashfs
