// libFuzzer target: the marshal reader (checkers/marshal_reader.h).
// Input: one byte choosing the interpreter generation, then the marshal data.
// Contract checked on every input:
//   - it never reads past the buffer (ASan: the data ends where libFuzzer's
//     allocation ends) and never recurses past the stack (nesting bound);
//   - consumed and the error offset lie within the data;
//   - time linear in the input: steps <= 2 * size + 1;
//   - trailing bytes are ignored: an object that loads from the data loads
//     the same from exactly the bytes it consumed, and every shorter prefix
//     fails (each consumed byte was needed).
#include <cstddef>
#include <cstdint>

#include "checkers/marshal_reader.h"
#include "fuzz_contract.h"

using crashfs::marshal::Profile;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  constexpr int kProfiles = static_cast<int>(Profile::kPy314) + 1;
  const auto profile = static_cast<Profile>(data[0] % kProfiles);
  const std::string_view body = crashfs::fuzz::as_text(data + 1, size - 1);
  const auto r = crashfs::marshal::load(body, profile);
  FUZZ_CONTRACT(r.consumed <= body.size(), "consumed {} of {} bytes", r.consumed, body.size());
  FUZZ_CONTRACT(r.steps <= 2 * body.size() + 1, "{} steps for {} bytes: not linear", r.steps, body.size());
  if (r.error) {
    FUZZ_CONTRACT(r.error->offset <= body.size(), "error offset {} past {} bytes ({})", r.error->offset,
                  body.size(), r.error->message);
    FUZZ_CONTRACT(!r.error->exception.empty() && !r.error->message.empty(), "an error without a name");
    return 0;
  }
  const auto exact = crashfs::marshal::load(body.substr(0, r.consumed), profile);
  FUZZ_CONTRACT(exact.loads() && exact.kind == r.kind && exact.consumed == r.consumed,
                "loads {} bytes as {} with trailing bytes but not alone", r.consumed, to_string(r.kind));
  if (r.consumed > 0) {
    const auto shorter = crashfs::marshal::load(body.substr(0, r.consumed - 1), profile);
    FUZZ_CONTRACT(!shorter.loads(), "loads without its last byte ({} bytes)", r.consumed);
  }
  return 0;
}
