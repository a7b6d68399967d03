#include "checkers/pyc_format.h"

#include <array>

namespace crashfs {

namespace {

using marshal::Profile;
constexpr auto kNoHash = SourceHashKind::kNone;
constexpr auto kSip24 = SourceHashKind::kSipHash24;
constexpr auto kSip13 = SourceHashKind::kSipHash13;

constexpr std::array kReleases = {
    PythonRelease{62161, "2.6", 8, Profile::kPy2, kNoHash, ""},
    PythonRelease{62211, "2.7", 8, Profile::kPy2, kNoHash, ""},
    PythonRelease{3131, "3.0", 8, Profile::kPy30, kNoHash, ""},
    PythonRelease{3151, "3.1", 8, Profile::kPy30, kNoHash, ""},
    PythonRelease{3180, "3.2", 8, Profile::kPy30, kNoHash, "cpython-32"},
    PythonRelease{3230, "3.3", 12, Profile::kPy30, kNoHash, "cpython-33"},
    PythonRelease{3310, "3.4", 12, Profile::kPy34, kNoHash, "cpython-34"},
    PythonRelease{3350, "3.5", 12, Profile::kPy34, kNoHash, "cpython-35"},
    PythonRelease{3351, "3.5.3+", 12, Profile::kPy34, kNoHash, "cpython-35"},
    PythonRelease{3379, "3.6", 12, Profile::kPy34, kNoHash, "cpython-36"},
    PythonRelease{3394, "3.7", 16, Profile::kPy34, kSip24, "cpython-37"},
    PythonRelease{3413, "3.8", 16, Profile::kPy38, kSip24, "cpython-38"},
    PythonRelease{3425, "3.9", 16, Profile::kPy38, kSip24, "cpython-39"},
    PythonRelease{3439, "3.10", 16, Profile::kPy38, kSip24, "cpython-310"},
    PythonRelease{3495, "3.11", 16, Profile::kPy311, kSip13, "cpython-311"},
    PythonRelease{3531, "3.12", 16, Profile::kPy311, kSip13, "cpython-312"},
    PythonRelease{3571, "3.13", 16, Profile::kPy311, kSip13, "cpython-313"},
    PythonRelease{3627, "3.14", 16, Profile::kPy314, kSip13, "cpython-314"},
};

}  // namespace

std::span<const PythonRelease> python_releases() { return kReleases; }

const PythonRelease* find_release_by_magic(std::uint16_t magic) {
  for (const auto& release : kReleases)
    if (release.magic == magic) return &release;
  return nullptr;
}

const PythonRelease* find_release_by_cache_tag(std::string_view tag) {
  const PythonRelease* found = nullptr;
  for (const auto& release : kReleases)
    if (!release.cache_tag.empty() && release.cache_tag == tag) found = &release;  // the latest (3.5.3+)
  return found;
}

}  // namespace crashfs
