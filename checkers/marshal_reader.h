// A strict, bounded model of CPython's marshal reader (Python/marshal.c,
// r_object) for code objects as .pyc files hold them.
//
// Contract: load() decides, for one interpreter generation, whether
// marshal.loads(data) would return an object, which kind, how many bytes it
// consumed, and otherwise which exception the interpreter would raise and
// at which offset.  It builds no Python objects, only what the interpreter's
// own checks look at (kinds, lengths, hashability, the name tuples and
// counts PyCode_New / _PyCode_Validate insist on).
//
// Bounded: every loop step consumes at least one input byte and counts are
// never used to allocate, so corrupt counts cost time linear in the input;
// nothing read is walked again (a back-reference reuses what its object's
// first reading recorded), so LoadResult::steps <= 2 * data.size() + 1;
// nesting stops at CPython's limit (2000).  Memory is linear in the input.
//
// Reference: /work/shared/reference/pycheck.py (agreed with the real loaders
// on 27,225 damaged pycs) and FORMATS.md.  Deliberate difference: text
// floats ('f', 'x') follow PyOS_string_to_double, not Python's float().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crashfs::marshal {

// Interpreter generations whose marshal readers differ.
enum class Profile : std::uint8_t {
  kPy2,    // 2.6-2.7: 's' bytes, 'u' unicode, interned strings table ('t', 'R')
  kPy30,   // 3.0-3.3: 'u'/'t' text, no back-references
  kPy34,   // 3.4-3.7: FLAG_REF refs ('r'), short forms 'a' 'A' 'z' 'Z' ')'
  kPy38,   // 3.8-3.10: code objects gain posonlyargcount
  kPy311,  // 3.11-3.13: localsplus names/kinds, qualname, exception table
  kPy314,  // 3.14: slices (':')
};

std::string_view to_string(Profile profile);

// What kind of object the data decodes to (the top-level one for load()).
enum class Kind : std::uint8_t {
  kNull, kSingleton, kInt, kFloat, kComplex, kBytes, kStr, kTuple, kList, kDict,
  kSet, kFrozenset, kCode, kSlice,
};

std::string_view to_string(Kind kind);

// The exception the interpreter would raise.
struct LoadError {
  std::string exception;  // "EOFError", "ValueError", "TypeError", "SystemError", ...
  std::string message;    // e.g. "marshal data too short", "bad marshal data (unknown type code)"
  std::size_t offset = 0; // where in the data (the object's start, or the read that ran out)
  bool operator==(const LoadError&) const = default;
};

struct LoadResult {
  std::optional<LoadError> error;  // set: marshal.loads() raises
  Kind kind = Kind::kNull;         // the object's kind when it loads
  std::size_t consumed = 0;        // bytes read (up to the failure when it fails)
  // Work done: objects started plus payload bytes examined.  The linear-time
  // bound above, checked by tests/fuzz/marshal_reader_fuzzer.cpp.
  std::size_t steps = 0;
  bool loads() const { return !error.has_value(); }
};

// Reads one object from the start of `data`; trailing bytes are ignored, as
// the interpreter ignores them.
LoadResult load(std::string_view data, Profile profile);

}  // namespace crashfs::marshal
