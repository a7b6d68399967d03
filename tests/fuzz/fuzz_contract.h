// FUZZ_CONTRACT(cond, ...): a parser's contract, checked on every fuzzed
// input.  A broken contract prints what was expected (fmt-style message)
// and aborts, which libFuzzer reports as a crash and saves the input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fmt/format.h>

#define FUZZ_CONTRACT(cond, ...)                                                                   \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "contract broken at %s:%d: %s\n  %s\n", __FILE__, __LINE__, #cond,      \
                   fmt::format(__VA_ARGS__).c_str());                                             \
      std::abort();                                                                                \
    }                                                                                              \
  } while (0)

namespace crashfs::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace crashfs::fuzz
