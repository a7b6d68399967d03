// libFuzzer target: `--checker` specs (checkers/checker_spec.h).
// Contract checked on every input:
//   - a rejected spec says why, naming the option;
//   - an accepted spec names a known checker; its globs are relative
//     (never empty, never starting with '/' or "./"); cmd and dump have a
//     command and no glob, the others at least one glob;
//   - it round-trips: its canonical text parses to the same name, argument
//     and globs, and prints the same again;
//   - the pure checkers (pyc, journal, atomic, sqlite) can be made from
//     it; the others report that they need host services.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "checkers/checker_spec.h"
#include "fuzz_contract.h"

using namespace crashfs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  CheckerSpec spec;
  const Status st = parse_checker_spec(text, spec);
  if (!st) {
    FUZZ_CONTRACT(st.message().find("--checker") != std::string::npos, "an error that names no option: {}",
                  st.message());
    return 0;
  }
  FUZZ_CONTRACT(spec.text == text, "spec text '{}' is not the input", spec.text);
  const bool command = spec.name == "cmd" || spec.name == "dump";
  FUZZ_CONTRACT(command || spec.name == "pyc" || spec.name == "journal" || spec.name == "atomic" ||
                    spec.name == "sqlite",
                "accepted unknown checker '{}'", spec.name);
  FUZZ_CONTRACT(command ? !spec.arg.empty() && spec.globs.empty() : !spec.globs.empty(),
                "'{}': arg '{}', {} globs", text, spec.arg, spec.globs.size());
  for (const std::string& glob : spec.globs)
    FUZZ_CONTRACT(!glob.empty() && glob.front() != '/' && glob.rfind("./", 0) != 0,
                  "'{}' accepted with glob '{}': not relative to the recorded directory", text, glob);

  const std::string canonical = canonical_text(spec);
  CheckerSpec again;
  const Status st2 = parse_checker_spec(canonical, again);
  FUZZ_CONTRACT(st2.is_ok(), "'{}' parses, its canonical text '{}' does not: {}", text, canonical, st2.message());
  FUZZ_CONTRACT(again.name == spec.name && again.arg == spec.arg && again.globs == spec.globs,
                "'{}' and its canonical text '{}' parse differently", text, canonical);
  FUZZ_CONTRACT(canonical_text(again) == canonical, "canonical text '{}' prints as '{}'", canonical,
                canonical_text(again));

  std::unique_ptr<Checker> checker;
  const Status made = make_checker(spec, checker);
  if (spec.name == "pyc" || spec.name == "journal" || spec.name == "atomic" || spec.name == "sqlite")
    FUZZ_CONTRACT(made.is_ok() && checker, "cannot make '{}': {}", text, made.message());
  else
    FUZZ_CONTRACT(made.code() == Status::Code::kUnsupported && !checker, "'{}' made without host services", text);
  return 0;
}
