// Shapes: what stays the same between instances of one bug.  Explain groups
// violations by the shape of their cause, not by its instance: the 171
// `.pyc` files Python wrote to a temporary name and renamed without an
// fsync are one bug, and so are the three updates of a write-ahead log whose
// data write overtook the log record.  A shape folds what differs between
// instances (digits: pids, counters, temporary suffixes; the stem of a file
// name: the module) and keeps what the bug is made of (directories,
// extensions, operation types, the roles of the paths).
#pragma once

#include <string>
#include <string_view>

#include "checkers/checker.h"

namespace crashfs {

// Every word (run of letters and digits) that holds a digit as one '#':
// counters and pids ("m.pyc.1368" -> "m.pyc.#", "cpython-311" ->
// "cpython-#") and hashes and random suffixes, which mix letters in
// ("objects/3f/a1c9e0" -> "objects/#/#", "tmp_obj_Xy7aQ" -> "tmp_obj_#";
// '_' separates words), and so does a word that mixes the cases past its
// first letter (mkstemp's suffixes: "tmp_obj_dFQrkI" -> "tmp_obj_#").  A
// word of one case ("HEAD", "main", "bf") or capitalized ("Makefile") is a
// name and stays.
std::string fold_instance_words(std::string_view s);

// The directory and the extensions of a path, digits folded, the stem as
// '*': "__pycache__/foo.cpython-311.pyc.14" -> "__pycache__/*.cpython-#.pyc.#",
// "wal.log" -> "*.log", "" -> "".  A name without a dot keeps its
// (folded) name: "HEAD" -> "HEAD", "objects/3f" -> "objects/#" ("ab",
// letters only, is still a name: only words with a digit fold).
std::string path_shape(std::string_view path);

// The role of `path` relative to the file a violation is about: "<file>"
// (the same path), "<file>.#" (a name that extends it: a temporary name),
// "<dir>" (its directory), "<dir>/*.ext" (a sibling), else path_shape.
std::string path_role(std::string_view path, std::string_view file);

// A checker's message with what differs between instances folded: digits,
// quoted and parenthesized parts; its first line, at most 160 characters.  Groups cmd:
// and dump: violations, whose path is "".
std::string message_shape(std::string_view reason);

// What identifies "the same violation" without explaining it: the checker,
// the grade and the shape of the path (of the message when the path is "").
std::string violation_shape(const Violation& v);

}  // namespace crashfs
