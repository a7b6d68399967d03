// libFuzzer target: the pyc header validator and body check
// (checkers/pyc_validate.h), on whole .pyc files.
// Contract checked on every input, for a loader without the source, with a
// source whose mtime and size match the header's fields, with one whose
// mtime does not, and with source bytes (the checked-hash path):
//   - an accepted header names its release, fits in the file and is the
//     release's header size; the body is read exactly when it is accepted;
//   - offsets, consumed and trailing bytes lie within the file, and a body
//     that loads accounts for every byte (consumed + trailing = size);
//   - the body verdict is the marshal reader's on the bytes after the header;
//   - a matching source changes nothing for a header the loader accepts
//     without one; a stale mtime rejects every timestamp pyc.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "checkers/pyc_validate.h"
#include "fuzz_contract.h"

using namespace crashfs;

namespace {

void check(std::string_view bytes, const PycVerdict& v) {
  const PycHeaderVerdict& h = v.header;
  FUZZ_CONTRACT(!h.reason.empty(), "a header verdict without a reason");
  FUZZ_CONTRACT(v.body.read == h.accepted, "body read {} for a header accepted {}", v.body.read, h.accepted);
  (void)v.describe();
  if (!h.accepted) return;
  FUZZ_CONTRACT(h.release != nullptr, "accepted without a release");
  FUZZ_CONTRACT(h.size == h.release->header_size && h.size <= bytes.size(), "header of {} bytes in a {}-byte file",
                h.size, bytes.size());
  FUZZ_CONTRACT(v.body.consumed >= h.size && v.body.consumed <= bytes.size(), "consumed {} of {} (header {})",
                v.body.consumed, bytes.size(), h.size);
  const auto m = marshal::load(bytes.substr(h.size), h.release->profile);
  if (v.body.error) {
    FUZZ_CONTRACT(v.body.error->offset >= h.size && v.body.error->offset <= bytes.size(), "error offset {} of {}",
                  v.body.error->offset, bytes.size());
    FUZZ_CONTRACT(m.error ? m.error->offset + h.size == v.body.error->offset : m.kind != marshal::Kind::kCode,
                  "the body error is not the marshal reader's");
  } else {
    FUZZ_CONTRACT(m.loads() && m.kind == marshal::Kind::kCode, "loads, but the marshal reader says otherwise");
    FUZZ_CONTRACT(v.body.consumed + v.body.trailing == bytes.size(), "consumed {} + trailing {} != {}",
                  v.body.consumed, v.body.trailing, bytes.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = fuzz::as_text(data, size);
  const PycVerdict sourceless = validate_pyc(bytes, std::nullopt);
  check(bytes, sourceless);
  const PythonRelease* own = size >= 2 ? find_release_by_magic(read_le16(bytes, 0)) : nullptr;
  if (own) check(bytes, validate_pyc(bytes, std::nullopt, own));
  if (!own || size < own->header_size) return 0;

  // A source whose stat matches the header's fields.
  const std::size_t mtime_at = own->has_flags() ? 8 : 4;
  const std::uint32_t stored_mtime = read_le32(bytes, mtime_at);
  // 2.x reads the field as a signed 32-bit time_t, 3.x as unsigned.
  const std::int64_t seconds = own->is_python2() ? std::int64_t{static_cast<std::int32_t>(stored_mtime)}
                                                 : std::int64_t{stored_mtime};
  SourceInfo matching{seconds * 1'000'000'000, own->has_source_size() ? read_le32(bytes, mtime_at + 4) : 0, {}};
  const PycVerdict fresh = validate_pyc(bytes, matching);
  check(bytes, fresh);
  FUZZ_CONTRACT(fresh.header.accepted == sourceless.header.accepted, "a matching source changed the verdict: {}",
                fresh.header.reason);

  SourceInfo stale = matching;
  stale.mtime_ns += 1'000'000'000;
  const PycVerdict old = validate_pyc(bytes, stale);
  check(bytes, old);
  if (fresh.header.kind == PycKind::kTimestamp)
    FUZZ_CONTRACT(!old.header.accepted, "a stale timestamp pyc accepted: {}", old.header.reason);

  SourceInfo with_bytes = matching;
  with_bytes.bytes = bytes;
  check(bytes, validate_pyc(bytes, with_bytes));
  return 0;
}
