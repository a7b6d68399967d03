// libFuzzer target: checker globs (checkers/glob.h).
// Input: PATTERN '\n' PATH.  Contract checked on every input:
//   - glob_match terminates without crashing, whatever the bytes;
//   - for a path of non-empty segments (what paths relative to the recorded
//     directory are), it agrees with two references: a dynamic programme
//     over segments (`**` any run of whole segments, other segments one
//     segment each by fnmatch(3)), and, for patterns without `**` segments,
//     classes or escapes, fnmatch(3) on the whole path with FNM_PATHNAME;
//   - every path matches itself with its wildcards escaped, and `**`.
#include <fnmatch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "checkers/glob.h"
#include "fuzz_contract.h"

using namespace crashfs;

namespace {

std::vector<std::string> segments(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = s.find('/', start);
    out.emplace_back(s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

// match[i][j]: pattern segments from i match path segments from j.
bool reference_match(std::string_view pattern, std::string_view path) {
  const auto pat = segments(pattern), segs = segments(path);
  const std::size_t np = pat.size(), ns = segs.size();
  std::vector<char> match((np + 1) * (ns + 1), 0);
  auto at = [&](std::size_t i, std::size_t j) -> char& { return match[i * (ns + 1) + j]; };
  at(np, ns) = 1;
  for (std::size_t i = np; i-- > 0;) {
    for (std::size_t j = ns + 1; j-- > 0;) {
      if (pat[i] == "**")
        at(i, j) = at(i + 1, j) || (j < ns && at(i, j + 1));
      else
        at(i, j) = j < ns && at(i + 1, j + 1) && fnmatch(pat[i].c_str(), segs[j].c_str(), 0) == 0;
    }
  }
  return at(0, 0);
}

std::string escaped(std::string_view path) {
  std::string out;
  for (const char c : path) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  const std::size_t nl = input.find('\n');
  const std::string_view pattern = input.substr(0, nl);
  const std::string_view path = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
  const bool got = glob_match(pattern, path);

  // Paths as the checkers see them: relative, non-empty segments, no NUL.
  if (path.empty() || path.find('\0') != std::string_view::npos || pattern.find('\0') != std::string_view::npos)
    return 0;
  for (const auto& seg : segments(path))
    if (seg.empty()) return 0;
  if (!pattern.empty())
    FUZZ_CONTRACT(got == reference_match(pattern, path), "glob '{}' on '{}': {}, the segment programme says {}",
                  pattern, path, got, !got);
  bool plain = !pattern.empty() && pattern.find_first_of("[\\") == std::string_view::npos;
  for (const auto& seg : segments(pattern)) plain = plain && seg != "**";
  if (plain) {
    const bool whole = fnmatch(std::string(pattern).c_str(), std::string(path).c_str(), FNM_PATHNAME) == 0;
    FUZZ_CONTRACT(got == whole, "glob '{}' on '{}': {}, fnmatch(FNM_PATHNAME) says {}", pattern, path, got, whole);
  }
  FUZZ_CONTRACT(glob_match(escaped(path), path), "'{}' does not match itself escaped ('{}')", path, escaped(path));
  FUZZ_CONTRACT(glob_match("**", path), "'**' does not match '{}'", path);
  return 0;
}
