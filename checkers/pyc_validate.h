// validate_pyc(): what an interpreter's import does with one .pyc file.
//
// Contract (pure, no I/O): given the pyc's bytes and what the loader knows
// about its source, decide
//   header  whether the reader accepts the header (magic known and, when
//           the reader is known, its own; header complete; flags valid;
//           mtime/size or checked source hash matching the source).  A
//           rejected header means the interpreter ignores the file and
//           recompiles the source (the file is harmless);
//   body    for an accepted header, whether the marshal body loads a code
//           object, and otherwise the exception the import dies with
//           (EOFError, ValueError, ...) and the file offset where the
//           reader failed.
// This mirrors importlib._bootstrap_external (3.x) and import.c (2.x); see
// /work/shared/FORMATS.md.  Trailing bytes after the object are ignored, as
// the interpreters ignore them: a body that loads is not proof of intact
// data (compare with what the writer wrote for that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "checkers/marshal_reader.h"
#include "checkers/pyc_format.h"

namespace crashfs {

// What the loader learns about the source file (os.stat and, for checked
// hash-based pycs, its bytes).
struct SourceInfo {
  std::int64_t mtime_ns = 0;
  std::uint64_t size = 0;
  // Needed only to verify checked hash-based pycs (3.7+, flags 0b11); when
  // absent their hash is taken as matching.  Must outlive the call.
  std::optional<std::string_view> bytes;
};

enum class PycOutcome : std::uint8_t {
  kRegenerated,  // header rejected: the reader ignores the file (and rewrites it)
  kImportFails,  // header accepted, body does not load (or is not code): the import raises
  kLoads,        // header accepted, body loads a code object
};

std::string_view to_string(PycOutcome outcome);

enum class PycKind : std::uint8_t { kUnknown, kTimestamp, kUncheckedHash, kCheckedHash };

struct PycHeaderVerdict {
  bool accepted = false;
  std::string reason;                     // why rejected, or what matched
  const PythonRelease* release = nullptr; // from the magic, when known
  PycKind kind = PycKind::kUnknown;
  std::size_t size = 0;                   // where the body starts
};

struct PycBodyVerdict {
  bool read = false;   // false when the header was rejected: the body is never read
  // Set when the import fails: the exception, its message and the *file*
  // offset (header included) where the reader failed.  A body that loads
  // something other than a code object fails with ImportError.
  std::optional<marshal::LoadError> error;
  std::size_t consumed = 0;  // bytes of the file read, header included (up to the failure)
  std::size_t trailing = 0;  // bytes after a loaded object (ignored by the reader)
};

struct PycVerdict {
  PycHeaderVerdict header;
  PycBodyVerdict body;

  PycOutcome outcome() const {
    if (!header.accepted) return PycOutcome::kRegenerated;
    return body.error ? PycOutcome::kImportFails : PycOutcome::kLoads;
  }
  // One line: "header rejected: ..." / "EOFError: marshal data too short at offset 4096" / "loads ...".
  std::string describe() const;
};

// `source`: nullopt when the loader reads the pyc without a source (a
// sourceless legacy pyc, or a source the caller cannot see): no mtime, size
// or hash check.  `reader`: the interpreter that reads the file (from the
// cache tag of __pycache__/NAME.TAG.pyc); a pyc with another magic is
// rejected.  nullptr: any known magic is read by its own release.
PycVerdict validate_pyc(std::string_view bytes, const std::optional<SourceInfo>& source,
                        const PythonRelease* reader = nullptr);

// The source mtime (seconds) a release compares with the pyc's mtime field:
// 2.x uses st_mtime as time_t; 3.x int(st_mtime) of the float st_mtime.
std::int64_t python_source_mtime(const PythonRelease& release, std::int64_t mtime_ns);

}  // namespace crashfs
