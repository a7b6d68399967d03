// libFuzzer target: `--shard K/N` (core/shard.h).
// Contract checked on every input: an accepted shard has 0 <= index <
// count; its text is K/N in digits only, parses back to the same shard and
// prints the same again; the input itself was digits, one '/', digits.
#include <cstddef>
#include <cstdint>

#include "core/shard.h"
#include "fuzz_contract.h"

using namespace crashfs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  const auto shard = parse_shard(text);
  if (!shard) return 0;
  FUZZ_CONTRACT(shard->count >= 1 && shard->index < shard->count, "shard {} of {} from '{}'", shard->index,
                shard->count, text);
  const std::size_t slash = text.find('/');
  FUZZ_CONTRACT(slash != std::string_view::npos && slash > 0 && slash + 1 < text.size() &&
                    text.find_first_not_of("0123456789/") == std::string_view::npos &&
                    text.find('/', slash + 1) == std::string_view::npos,
                "accepted '{}', which is not K/N in digits", text);
  const std::string printed = shard_text(*shard);
  const auto again = parse_shard(printed);
  FUZZ_CONTRACT(again && *again == *shard, "'{}' prints as '{}', which parses otherwise", text, printed);
  FUZZ_CONTRACT(shard_text(*again) == printed, "'{}' prints as '{}'", printed, shard_text(*again));
  return 0;
}
