// Shards of an exploration: the text of `--shard K/N`.
//
// Contract (pure): parse_shard() accepts exactly "K/N" with K and N decimal
// (digits only: no sign, no spaces, leading zeros allowed) and
// 1 <= K <= N < 2^32, and gives the 0-based shard K-1 of N; anything else is
// nullopt.  shard_text() prints the canonical "K/N", which parses back to
// the same Shard (the fuzz target tests/fuzz/shard_fuzzer.cpp checks both).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crashfs {

struct Shard {
  std::uint32_t index = 0;  // 0-based
  std::uint32_t count = 1;
  bool operator==(const Shard&) const = default;
};

std::optional<Shard> parse_shard(std::string_view text);
std::string shard_text(const Shard& shard);

}  // namespace crashfs
