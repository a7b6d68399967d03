#include "core/shard.h"

#include <charconv>

namespace crashfs {
namespace {

// Digits only: std::from_chars takes no '+' or spaces, but it does take a
// '-' for signed types; the count is unsigned, so '-' fails too.
bool parse_count(std::string_view text, std::uint32_t& out) {
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

}  // namespace

std::optional<Shard> parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::uint32_t k = 0, n = 0;
  if (!parse_count(text.substr(0, slash), k) || !parse_count(text.substr(slash + 1), n)) return std::nullopt;
  if (k < 1 || k > n) return std::nullopt;
  return Shard{k - 1, n};
}

std::string shard_text(const Shard& shard) {
  return std::to_string(static_cast<std::uint64_t>(shard.index) + 1) + "/" + std::to_string(shard.count);
}

}  // namespace crashfs
