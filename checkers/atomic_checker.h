// The `atomic@GLOB` checker: files that must be replaced atomically
// (configuration files, caches written whole).  Built on the oracle
// (view_oracle.h): each regular file matching GLOB is a unit, its view is
// its bytes (absent: kAbsentView).
//
// Integrity: the file is absent, or equals a version of that path that was
// complete at some moment up to the crash point (ctx.versions.was_complete:
// at release, fsync or rename of its node).  Anything else (a truncated
// file, a zero-filled tail, a mix of old and new bytes, the bytes written
// so far in the middle of an in-place update) is "not-atomic".  History
// and durability (a file whose fsync returned must not read as an older
// version) are the oracle's.
//
// The violation names the path and the first offset where the file differs
// from what a reader could have expected (the file in ctx.completed, what
// the program had written by the crash point), and the operations that
// wrote (or failed to write) the bytes from that offset on, in both.
//
// Verdicts are cached per (path, file content, completed content, crash
// point).
#pragma once

#include <memory>
#include <string>

#include "checkers/checker.h"

namespace crashfs {

std::unique_ptr<Checker> make_atomic_checker(std::string glob);

}  // namespace crashfs
