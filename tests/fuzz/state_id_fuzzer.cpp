// libFuzzer target: state ids as given to `crashfs replay/show --state`
// and to the mounted views (StateSpec::parse, core/state_spec.h).
// Contract checked on every input:
//   - a rejected id says why and quotes the id;
//   - an accepted id round-trips: its printed id parses to an equal spec
//     and prints the same again (the canonical text);
//   - what the grammar promises holds: parts ascend (omitted ranges,
//     torn writes, their piece ranges, zeroed seqs), ranges are ordered,
//     torn writes keep at least one piece, a sector size is posix's only.
#include <cstddef>
#include <cstdint>

#include "core/state_spec.h"
#include "fuzz_contract.h"

using namespace crashfs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  StateSpec spec;
  const Status st = StateSpec::parse(text, spec);
  if (!st) {
    FUZZ_CONTRACT(st.message().find("bad state id") != std::string::npos, "an error without context: {}",
                  st.message());
    return 0;
  }
  FUZZ_CONTRACT(spec.sector > 0 && (spec.sector == kDefaultSector || spec.model == ModelKind::kPosix),
                "sector {} for {}", spec.sector, to_string(spec.model));
  for (std::size_t i = 0; i < spec.omitted.size(); ++i) {
    FUZZ_CONTRACT(spec.omitted[i].first <= spec.omitted[i].last, "omitted range {} reversed", i);
    if (i > 0) FUZZ_CONTRACT(spec.omitted[i - 1].last < spec.omitted[i].first, "omitted ranges do not ascend");
  }
  for (std::size_t i = 0; i < spec.torn.size(); ++i) {
    const TornWrite& t = spec.torn[i];
    if (i > 0) FUZZ_CONTRACT(spec.torn[i - 1].op < t.op, "torn writes do not ascend");
    FUZZ_CONTRACT(!t.kept.empty(), "torn write {} keeps no piece", t.op);
    for (std::size_t j = 0; j < t.kept.size(); ++j) {
      FUZZ_CONTRACT(t.kept[j].first <= t.kept[j].last, "piece range reversed");
      if (j > 0) FUZZ_CONTRACT(t.kept[j - 1].last < t.kept[j].first, "piece ranges do not ascend");
    }
  }
  for (std::size_t i = 1; i < spec.zeroed.size(); ++i)
    FUZZ_CONTRACT(spec.zeroed[i - 1] < spec.zeroed[i], "zeroed seqs do not ascend");

  const std::string id = spec.id();
  StateSpec again;
  const Status st2 = StateSpec::parse(id, again);
  FUZZ_CONTRACT(st2.is_ok(), "'{}' parses, its id '{}' does not: {}", text, id, st2.message());
  FUZZ_CONTRACT(again == spec, "'{}' and its id '{}' parse to different states", text, id);
  FUZZ_CONTRACT(again.id() == id, "id '{}' prints as '{}'", id, again.id());
  return 0;
}
