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

#include <string>
#include <string_view>
#include <unordered_map>

namespace crashfs {

bool glob_match(std::string_view pattern, std::string_view path);

// A glob with its answers remembered per path: a checker asks about the
// same few hundred paths in every one of thousands of states.  Not
// thread-safe (one per checker, as the checkers' other caches).
class CachedGlob {
 public:
  explicit CachedGlob(std::string pattern) : pattern_(std::move(pattern)) {}
  const std::string& pattern() const { return pattern_; }
  bool matches(const std::string& path) {
    auto it = answers_.find(path);
    if (it == answers_.end()) it = answers_.emplace(path, glob_match(pattern_, path)).first;
    return it->second;
  }

 private:
  std::string pattern_;
  std::unordered_map<std::string, bool> answers_;
};

}  // namespace crashfs
