// The `pyc` checker: Python bytecode caches must never make an import fail.
//
// Contract, for every regular file matching the glob (default "**/*.pyc")
// in a crash state:
//   fine   absent; or a name no loader reads; or a __pycache__ pyc whose
//          source is absent (Python 3 never reads it then); or its reader
//          rejects the header (bad magic, short header, bad flags, mtime/size
//          or checked source hash not matching the source *in that state*),
//          because the reader then recompiles and rewrites it; or a complete
//          body that loads and is byte-identical to a version the writer
//          completed (or to what the crash-free run holds);
//   "bad-body"          the header is accepted but the marshal body does not
//                       load (truncated, zero-filled, torn): the import dies
//                       with the interpreter's EOFError / ValueError / ...
//                       until someone deletes the file;
//   "silent-corruption" the body loads, but its bytes differ from every
//                       complete version of the file (VersionHistory) and from
//                       what the crash-free run holds at that point (a zero
//                       tail or torn piece that still parses): the module
//                       runs with wrong code or constants.
// Violations name the path, the file offset of the failure (or of the first
// byte differing from the crash-free content), the interpreter's error, and
// the operations whose bytes sit at that offset.
//
// Sources: see pyc_location.h.  The source's mtime and size come from the
// same state, so a pyc left over a changed source is judged stale.
//
// Cost: verdicts are cached per (pyc content hash, reader, source
// identity: present?, mtime, size, content hash), so checking many states
// costs the number of distinct versions.  Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "checkers/checker.h"
#include "checkers/pyc_validate.h"  // validate_pyc(), the pure per-file verdict

namespace crashfs {

inline constexpr std::string_view kDefaultPycGlob = "**/*.pyc";

std::unique_ptr<Checker> make_pyc_checker(std::string glob = std::string(kDefaultPycGlob));

}  // namespace crashfs
