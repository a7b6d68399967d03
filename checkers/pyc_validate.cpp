#include "checkers/pyc_validate.h"

#include <fmt/format.h>

#include "checkers/pyc_source_hash.h"

namespace crashfs {

std::string_view to_string(PycOutcome outcome) {
  switch (outcome) {
    case PycOutcome::kRegenerated: return "regenerated";
    case PycOutcome::kImportFails: return "import-fails";
    case PycOutcome::kLoads: return "loads";
  }
  return "?";
}

std::int64_t python_source_mtime(const PythonRelease& release, std::int64_t mtime_ns) {
  constexpr std::int64_t kNsPerSec = 1'000'000'000;
  std::int64_t sec = mtime_ns / kNsPerSec, nsec = mtime_ns % kNsPerSec;
  if (nsec < 0) nsec += kNsPerSec, --sec;  // struct timespec: tv_nsec is never negative
  if (release.is_python2()) return sec;     // import.c: st.st_mtime, a time_t
  // importlib: int(st.st_mtime), where st_mtime is the double sec + nsec * 1e-9.
  // The double can round up to the next second; int() truncates toward zero.
  return static_cast<std::int64_t>(static_cast<double>(sec) + static_cast<double>(nsec) * 1e-9);
}

namespace {

std::string hex(std::string_view bytes) {
  std::string out;
  for (const char c : bytes) out += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return out;
}

// Fills verdict.header; true when the reader accepts it.
bool check_header(std::string_view bytes, const std::optional<SourceInfo>& source, const PythonRelease* reader,
                  PycHeaderVerdict& header) {
  const auto reject = [&](std::string reason) {
    header.reason = std::move(reason);
    return false;
  };
  if (bytes.size() < 4) return reject(fmt::format("{} bytes: shorter than the 4-byte magic", bytes.size()));
  const std::uint16_t magic = read_le16(bytes, 0);
  if (bytes[2] != '\r' || bytes[3] != '\n') return reject(fmt::format("bad magic {}", hex(bytes.substr(0, 4))));
  const PythonRelease* release = find_release_by_magic(magic);
  if (!release) return reject(fmt::format("unknown magic number {}", magic));
  header.release = release;
  header.size = release->header_size;
  if (reader && reader->magic != magic)
    return reject(fmt::format("magic {} is Python {}, not the reader's {} (Python {})", magic, release->label,
                              reader->magic, reader->label));
  if (bytes.size() < release->header_size)
    return reject(fmt::format("{} bytes: shorter than the {}-byte header of Python {}", bytes.size(),
                              release->header_size, release->label));
  header.kind = PycKind::kTimestamp;
  if (release->has_flags()) {
    const std::uint32_t flags = read_le32(bytes, 4);
    if (flags & ~(kPycHashBased | kPycCheckSource)) return reject(fmt::format("invalid flags {:#x}", flags));
    if (flags & kPycHashBased) header.kind = (flags & kPycCheckSource) ? PycKind::kCheckedHash : PycKind::kUncheckedHash;
  }
  if (!source) {
    header.reason = "no source: the pyc is loaded as is";
    return true;
  }
  switch (header.kind) {
    case PycKind::kUncheckedHash:
      header.reason = "unchecked hash-based pyc: never verified against the source";
      return true;
    case PycKind::kCheckedHash: {
      if (!source->bytes) {
        header.reason = "checked hash-based pyc (source bytes not given: hash assumed to match)";
        return true;
      }
      const auto expected = pyc_source_hash(*release, *source->bytes);
      const std::string_view stored = bytes.substr(8, 8);
      if (!expected || std::string_view(reinterpret_cast<const char*>(expected->data()), expected->size()) != stored)
        return reject(fmt::format("source hash {} in the pyc does not match the source", hex(stored)));
      header.reason = "checked hash-based pyc: source hash matches";
      return true;
    }
    default: break;
  }
  const std::size_t mtime_at = release->has_flags() ? 8 : 4;
  const std::uint32_t stored_mtime = read_le32(bytes, mtime_at);
  const std::int64_t source_mtime = python_source_mtime(*release, source->mtime_ns);
  // import.c reads the field as a sign-extended long; importlib masks the source's to 32 bits.
  const bool mtime_matches = release->is_python2()
                                 ? static_cast<std::int64_t>(static_cast<std::int32_t>(stored_mtime)) == source_mtime
                                 : stored_mtime == static_cast<std::uint32_t>(source_mtime);
  if (!mtime_matches)
    return reject(fmt::format("stale: mtime field {} does not match the source mtime {}", stored_mtime, source_mtime));
  if (release->has_source_size()) {
    const std::uint32_t stored_size = read_le32(bytes, mtime_at + 4);
    if (stored_size != static_cast<std::uint32_t>(source->size))
      return reject(fmt::format("stale: size field {} does not match the source size {}", stored_size, source->size));
    header.reason = "mtime and size match the source";
  } else {
    header.reason = "mtime matches the source";
  }
  return true;
}

}  // namespace

PycVerdict validate_pyc(std::string_view bytes, const std::optional<SourceInfo>& source, const PythonRelease* reader) {
  PycVerdict verdict;
  verdict.header.accepted = check_header(bytes, source, reader, verdict.header);
  if (!verdict.header.accepted) return verdict;

  const std::size_t body_at = verdict.header.size;
  const marshal::LoadResult loaded = marshal::load(bytes.substr(body_at), verdict.header.release->profile);
  verdict.body.read = true;
  verdict.body.consumed = body_at + loaded.consumed;
  if (loaded.error) {
    verdict.body.error = *loaded.error;
    verdict.body.error->offset += body_at;
  } else if (loaded.kind != marshal::Kind::kCode) {
    verdict.body.error = marshal::LoadError{
        "ImportError", fmt::format("Non-code object ({}) in the pyc", marshal::to_string(loaded.kind)), body_at};
  } else {
    verdict.body.trailing = bytes.size() - verdict.body.consumed;
  }
  return verdict;
}

std::string PycVerdict::describe() const {
  const std::string_view label = header.release ? header.release->label : std::string_view("?");
  switch (outcome()) {
    case PycOutcome::kRegenerated:
      return fmt::format("header rejected, the reader recompiles the source: {}", header.reason);
    case PycOutcome::kImportFails:
      return fmt::format("{}: {} at offset {} (Python {}; header accepted: {})", body.error->exception,
                         body.error->message, body.error->offset, label, header.reason);
    case PycOutcome::kLoads:
      return body.trailing == 0
                 ? fmt::format("loads a code object (Python {}, {} bytes)", label, body.consumed)
                 : fmt::format("loads a code object (Python {}, {} bytes; {} trailing bytes ignored)", label,
                               body.consumed, body.trailing);
  }
  return {};
}

}  // namespace crashfs
