#include "checkers/glob.h"

#include <fnmatch.h>

#include <string>
#include <vector>

namespace crashfs {
namespace {

std::vector<std::string_view> split_segments(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
}

bool segment_match(std::string_view pattern, std::string_view segment) {
  // fnmatch needs NUL-terminated strings; segments are short.
  const std::string p(pattern);
  const std::string s(segment);
  return fnmatch(p.c_str(), s.c_str(), 0) == 0;
}

// Classic two-pointer wildcard match over segments, with `**` as the star:
// on a mismatch, back up to the most recent `**` and let it swallow one
// more segment.  Linear in practice, never exponential.
bool match_segments(const std::vector<std::string_view>& pat, const std::vector<std::string_view>& path) {
  std::size_t p = 0, s = 0;
  std::size_t star_p = std::string_view::npos, star_s = 0;
  while (s < path.size()) {
    if (p < pat.size() && pat[p] == "**") {
      star_p = p++;
      star_s = s;
    } else if (p < pat.size() && segment_match(pat[p], path[s])) {
      ++p;
      ++s;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == "**") ++p;
  return p == pat.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  if (pattern.empty()) return false;
  if (path.empty()) {
    // The recorded directory itself: only patterns made of `**` match it.
    for (auto seg : split_segments(pattern))
      if (seg != "**") return false;
    return true;
  }
  return match_segments(split_segments(pattern), split_segments(path));
}

}  // namespace crashfs
