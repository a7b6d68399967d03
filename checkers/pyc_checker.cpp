#include "checkers/pyc_checker.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "checkers/glob.h"
#include "checkers/pyc_location.h"
#include "checkers/view_oracle.h"

namespace crashfs {

namespace {

// Everything a verdict depends on besides the pyc's own bytes.
struct VerdictKey {
  ContentHash pyc;
  bool legacy = false;
  std::uint16_t reader_magic = 0;  // 0: any
  bool has_source = false;
  std::int64_t source_mtime_ns = 0;
  std::uint64_t source_size = 0;
  ContentHash source;
  bool operator==(const VerdictKey&) const = default;
};

struct VerdictKeyHasher {
  std::size_t operator()(const VerdictKey& k) const noexcept {
    std::size_t h = ContentHashHasher{}(k.pyc);
    const auto mix = [&h](std::uint64_t v) { h = (h ^ v) * 0x100000001b3ull + 0x9e3779b97f4a7c15ull; };
    mix(k.legacy);
    mix(k.reader_magic);
    mix(k.has_source);
    mix(static_cast<std::uint64_t>(k.source_mtime_ns));
    mix(k.source_size);
    mix(ContentHashHasher{}(k.source));
    return h;
  }
};

// What a loader does with a legacy DIR/NAME.pyc that has its NAME.py beside it.
bool python3_legacy_beside_source(std::string_view bytes) {
  if (bytes.size() < 4) return false;
  const PythonRelease* release = find_release_by_magic(read_le16(bytes, 0));
  return release && !release->is_python2();
}

PycVerdict judge(std::string_view bytes, const PycLocation& loc, const std::optional<SourceInfo>& source) {
  if (loc.kind == PycLocation::Kind::kLegacy && source && python3_legacy_beside_source(bytes)) {
    // Python 3 uses __pycache__ when the source exists; Python 2 rejects the magic.
    PycVerdict v;
    v.header.release = find_release_by_magic(read_le16(bytes, 0));
    v.header.reason = "a Python 3 pyc in the legacy location beside its source is never read";
    return v;
  }
  return validate_pyc(bytes, source, loc.reader);
}

std::vector<Seq> ops_at(const StateView& state, const FileEntry& entry, std::uint64_t offset) {
  std::vector<Seq> ops;
  if (entry.size == 0) return ops;
  // An EOF failure sits just past the end: the last byte is what was cut short.
  const std::uint64_t at = std::min<std::uint64_t>(offset, entry.size - 1);
  for (const Provenance& p : state.provenance(entry, at, 1))
    if (p.seq != 0 && std::find(ops.begin(), ops.end(), p.seq) == ops.end()) ops.push_back(p.seq);
  return ops;
}

std::uint64_t first_difference(std::string_view a, std::string_view b) {
  const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  return static_cast<std::uint64_t>(ia - a.begin());
}

// How Python's import system reads a pyc back (view_oracle.h).  View: the
// code it loads (the pyc's bytes), or kAbsentView when it loads none and
// recompiles (absent, header rejected, never read): a cache the reader
// rebuilds recovers nothing, whether it was missing or stale.
class PycReader : public ViewReader {
 public:
  explicit PycReader(std::string glob) : glob_(std::move(glob)) {}

  std::string name() const override { return "pyc"; }
  std::string scope() const override { return "files matching " + glob_.pattern(); }
  bool file_scoped() const override { return true; }

  void units(const StateView& state, std::vector<std::string>& out) override {
    for (const FileEntry& entry : state.entries())
      if (entry.kind == NodeKind::kFile && is_pyc_path(entry.path)) out.push_back(entry.path);
  }
  // The caches, and the sources a loader checks them against.
  bool reads(const std::string& path) override { return is_pyc_path(path) || path.ends_with(".py"); }

  Recovered recover(const StateView& state, std::string_view, const std::string& unit) override {
    Found f;
    if (!find(state, unit, f)) return Recovered{kAbsentView, "no cache (recompiled)"};
    const PycVerdict verdict = verdict_of(state, f);
    if (verdict.outcome() != PycOutcome::kLoads) return Recovered{kAbsentView, "no cache (recompiled)"};
    return Recovered{ViewDigest().add(std::string_view("pyc")).add(f.entry->hash.lo).add(f.entry->hash.hi).finish(),
                     "loads (" + std::to_string(f.entry->size) + " bytes)"};
  }

  void integrity(const CheckContext& ctx, const std::string& unit, std::vector<Violation>& out) override {
    Found f;
    if (!find(ctx.state, unit, f)) return;
    check_file(ctx, *f.entry, *f.loc, f.source, out);
  }

 private:
  struct Found {
    const FileEntry* entry = nullptr;
    std::optional<PycLocation> loc;
    const FileEntry* source = nullptr;
  };

  // The pyc at `path` if a loader reads it, with its source.
  bool find(const StateView& state, const std::string& path, Found& f) {
    f.entry = state.find(path);
    if (f.entry == nullptr || f.entry->kind != NodeKind::kFile) return false;
    f.loc = location(path);
    if (!f.loc) return false;
    f.source = state.find(f.loc->source_path);
    if (f.source && f.source->kind != NodeKind::kFile) f.source = nullptr;
    // Python 3 looks in __pycache__ only for a source it found.
    return !(f.loc->kind == PycLocation::Kind::kPycache && !f.source);
  }

  static VerdictKey key_of(const FileEntry& entry, const PycLocation& loc, const FileEntry* source) {
    VerdictKey key;
    key.pyc = entry.hash;
    key.legacy = loc.kind == PycLocation::Kind::kLegacy;
    key.reader_magic = loc.reader ? loc.reader->magic : 0;
    if (source) {
      key.has_source = true;
      key.source_mtime_ns = source->mtime_ns;
      key.source_size = source->size;
      key.source = source->hash;
    }
    return key;
  }

  PycVerdict verdict_of(const StateView& state, const Found& f, std::string* bytes_out = nullptr) {
    std::string local;
    std::string& bytes = bytes_out ? *bytes_out : local;
    return cached_verdict(key_of(*f.entry, *f.loc, f.source), [&] {
      bytes = state.read(*f.entry);
      std::optional<SourceInfo> info;
      std::string source_bytes;
      if (f.source) {
        info = SourceInfo{f.source->mtime_ns, f.source->size, std::nullopt};
        if (needs_source_bytes(bytes)) {
          source_bytes = state.read(*f.source);
          info->bytes = source_bytes;
        }
      }
      return judge(bytes, *f.loc, info);
    });
  }

  void check_file(const CheckContext& ctx, const FileEntry& entry, const PycLocation& loc, const FileEntry* source,
                  std::vector<Violation>& out) {
    std::string bytes;  // read only on a cache miss or a violation
    Found f{&entry, loc, source};
    const PycVerdict verdict = verdict_of(ctx.state, f, &bytes);

    const std::string_view label = verdict.header.release ? verdict.header.release->label : "?";
    if (verdict.outcome() == PycOutcome::kImportFails) {
      const marshal::LoadError& error = *verdict.body.error;
      Violation v;
      v.checker = name();
      v.path = entry.path;
      v.offset = error.offset;
      v.grade = "bad-body";
      v.reason = fmt::format(
          "Python {} accepts the header ({}) but the body does not load: importing {} fails with {}: {} at "
          "offset {} until the .pyc is deleted",
          label, verdict.header.reason, loc.source_path.empty() ? entry.path : loc.source_path, error.exception,
          error.message, error.offset);
      v.ops = ops_at(ctx.state, entry, error.offset);
      out.push_back(std::move(v));
      return;
    }
    if (verdict.outcome() != PycOutcome::kLoads) return;
    // A body that loads is not proof: a zero tail or a torn piece can still parse.
    if (ctx.versions.was_complete(entry.path, entry.hash, ctx.crash_point)) return;
    const FileEntry* intended = ctx.completed.find(entry.path);
    if (!intended || intended->kind != NodeKind::kFile || intended->hash == entry.hash) return;
    if (bytes.empty()) bytes = ctx.state.read(entry);
    const std::uint64_t offset = first_difference(bytes, ctx.completed.read(*intended));
    Violation v;
    v.checker = name();
    v.path = entry.path;
    v.offset = offset;
    v.grade = "silent-corruption";
    v.reason = fmt::format(
        "Python {} loads this pyc ({}) but its bytes differ from every complete version the writer produced, "
        "first at offset {}: the module would run with wrong code or constants",
        label, verdict.header.reason, offset);
    v.ops = ops_at(ctx.state, entry, offset);
    out.push_back(std::move(v));
  }

  // A checked hash-based pyc (3.7+ flags 0b11) is verified against the source bytes.
  static bool needs_source_bytes(std::string_view pyc) {
    if (pyc.size() < 8) return false;
    const PythonRelease* release = find_release_by_magic(read_le16(pyc, 0));
    return release && release->has_flags() && read_le32(pyc, 4) == (kPycHashBased | kPycCheckSource);
  }

  template <class Compute>
  PycVerdict cached_verdict(const VerdictKey& key, Compute compute) {
    {
      std::lock_guard lock(mutex_);
      if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    }
    PycVerdict verdict = compute();
    std::lock_guard lock(mutex_);
    return cache_.emplace(key, std::move(verdict)).first->second;
  }

  // Where a loader reads the pyc at `path` from, if it matches the glob
  // and a loader reads it at all (remembered per path: every state asks).
  const std::optional<PycLocation>& location(const std::string& path) {
    auto it = locations_.find(path);
    if (it == locations_.end())
      it = locations_.emplace(path, glob_.matches(path) ? locate_pyc(path) : std::nullopt).first;
    return it->second;
  }
  bool is_pyc_path(const std::string& path) { return location(path).has_value(); }

  CachedGlob glob_;
  std::unordered_map<std::string, std::optional<PycLocation>> locations_;
  std::mutex mutex_;
  std::unordered_map<VerdictKey, PycVerdict, VerdictKeyHasher> cache_;
};

}  // namespace

std::unique_ptr<Checker> make_pyc_checker(std::string glob) {
  return std::make_unique<OracleChecker>(std::make_unique<PycReader>(std::move(glob)));
}

}  // namespace crashfs
