// glob_match: does a '/'-separated path, relative to the recorded directory,
// match a checker glob?
//
// Contract:
//   - The pattern and the path are split at '/'.  Each pattern segment
//     matches exactly one path segment with fnmatch(3) rules: `*` and `?`
//     never cross '/', `[...]` classes (with `!`/`^` negation and ranges),
//     `\` escapes the next character.  A leading '.' is matched by `*`
//     like any other character (journals such as `.ninja_log` and
//     `.shake.database` are dot files).
//   - A segment that is exactly `**` matches any number of whole path
//     segments, including none: `**/*.pyc` matches `big.pyc` and
//     `a/b/__pycache__/m.cpython-311.pyc`; `data/**` matches `data` and
//     everything under it.  `**` inside a longer segment (`a**b`) is just
//     two `*`.
//   - Empty segments are kept as such: the pattern `a//b` never matches,
//     since paths never contain empty segments.
//
// Why hand-written: no Debian-packaged library matches `**` this way (libc
// fnmatch and glob lack it, Boost has none); fnmatch still does the
// per-segment work so classes and escapes behave exactly as in the shell.
#pragma once

#include <string_view>

namespace crashfs {

bool glob_match(std::string_view pattern, std::string_view path);

}  // namespace crashfs
