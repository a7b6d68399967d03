#include "checkers/pyc_location.h"

#include <algorithm>

namespace crashfs {

std::optional<PycLocation> locate_pyc(std::string_view path) {
  constexpr std::string_view kSuffix = ".pyc";
  if (path.size() <= kSuffix.size() || !path.ends_with(kSuffix)) return std::nullopt;
  const std::size_t slash = path.rfind('/');
  const std::string_view dir = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::size_t dir_slash = dir.rfind('/');
  const std::string_view dir_name = dir_slash == std::string_view::npos ? dir : dir.substr(dir_slash + 1);

  PycLocation loc;
  if (dir_name != "__pycache__") {
    loc.kind = PycLocation::Kind::kLegacy;
    loc.source_path = std::string(path.substr(0, path.size() - kSuffix.size())) + ".py";
    return loc;
  }
  // source_from_cache(): NAME.TAG.pyc or NAME.TAG.opt-N.pyc, else not a cache file.
  const auto dots = std::count(name.begin(), name.end(), '.');
  if (dots != 2 && dots != 3) return std::nullopt;
  const std::size_t first_dot = name.find('.');
  const std::size_t second_dot = name.find('.', first_dot + 1);
  if (dots == 3) {
    const std::size_t third_dot = name.find('.', second_dot + 1);
    if (!name.substr(second_dot + 1, third_dot - second_dot - 1).starts_with("opt-")) return std::nullopt;
  }
  loc.kind = PycLocation::Kind::kPycache;
  loc.cache_tag = std::string(name.substr(first_dot + 1, second_dot - first_dot - 1));
  loc.reader = find_release_by_cache_tag(loc.cache_tag);
  const std::string_view parent = dir_slash == std::string_view::npos ? std::string_view() : dir.substr(0, dir_slash);
  const std::string source_name = std::string(name.substr(0, first_dot)) + ".py";
  loc.source_path = parent.empty() ? source_name : std::string(parent) + "/" + source_name;
  return loc;
}

}  // namespace crashfs
