#include "checkers/atomic_checker.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include "checkers/glob.h"
#include "checkers/view_oracle.h"

namespace crashfs {
namespace {

const FileEntry* file_in(const StateView& view, std::string_view path) {
  const FileEntry* e = view.find(path);
  return e && e->kind == NodeKind::kFile ? e : nullptr;
}

std::uint64_t common_prefix(std::string_view a, std::string_view b) {
  const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  return static_cast<std::uint64_t>(ia - a.begin());
}

struct Verdict {
  bool ok = true;
  std::uint64_t offset = 0;
  std::string reason;
  int candidate = -1;  // the offset is measured against: 0 the completed file, 1 the last complete version
};

// What a reader could have expected instead of the state's bytes.
struct Expected {
  int index;
  const char* label;
  std::string bytes;
  bool complete;
  std::uint64_t prefix;
};

Verdict judge(const CheckContext& ctx, const FileEntry& file) {
  Verdict v;
  if (ctx.versions.was_complete(file.path, file.hash, ctx.crash_point)) return v;
  v.ok = false;
  const std::string bytes = ctx.state.read(file);
  std::vector<Expected> candidates;
  if (const FileEntry* c = file_in(ctx.completed, file.path)) {
    std::string written = ctx.completed.read(*c);
    const bool complete = ctx.versions.was_complete(file.path, c->hash, ctx.crash_point);
    candidates.push_back(Expected{0, "written by the crash point", std::move(written), complete, 0});
  }
  if (ctx.history != nullptr) {
    if (auto last = ctx.versions.last_complete(file.path, ctx.crash_point); last && last->moment < ctx.history->moments()) {
      const auto then = ctx.history->state_at(last->moment);
      if (const FileEntry* e = file_in(*then, last->path))
        candidates.push_back(Expected{1, "last complete", then->read(*e), true, 0});
    }
  }
  for (Expected& c : candidates) c.prefix = common_prefix(bytes, c.bytes);
  const std::string size = std::to_string(bytes.size()) + " bytes";
  if (candidates.empty()) {
    v.reason = file.path + " (" + size + ") matches no version that was ever complete, and the crash-free run had no such file here";
    return v;
  }
  const Expected& best = *std::max_element(candidates.begin(), candidates.end(), [](const Expected& a, const Expected& b) {
    return std::tie(a.complete, a.prefix) < std::tie(b.complete, b.prefix);
  });
  // A process kill in the middle of an in-place update leaves exactly the
  // bytes written so far: say so rather than only "differs".
  const bool mid_update = candidates.front().index == 0 && !candidates.front().complete && candidates.front().bytes == bytes;
  v.candidate = best.index;
  v.offset = best.prefix;
  std::string how;
  if (best.prefix == bytes.size() && best.prefix < best.bytes.size()) {
    how = "the file ends there (" + size + " of " + std::to_string(best.bytes.size()) + ")";
  } else if (best.prefix == best.bytes.size()) {
    how = "the file has " + std::to_string(bytes.size() - best.prefix) + " extra bytes";
  } else {
    const std::uint64_t end = std::min<std::uint64_t>(bytes.size(), best.bytes.size());
    const std::string_view differing = std::string_view(bytes).substr(best.prefix, end - best.prefix);
    how = std::all_of(differing.begin(), differing.end(), [](char ch) { return ch == 0; }) ? "it reads as zeros from there"
                                                                                        : "its bytes differ from there";
  }
  const std::string version = best.index == 1 ? "last complete version (" + std::to_string(best.bytes.size()) + " bytes)"
                                              : std::string(best.complete ? "complete " : "incomplete ") + "version " +
                                                    best.label + " (" + std::to_string(best.bytes.size()) + " bytes)";
  if (mid_update && best.index != 0) {
    v.reason = file.path + " (" + size + ") holds the bytes written so far in the middle of an update, never a complete " +
               "version; the " + version + " differs from offset " + std::to_string(best.prefix) + ": " + how;
  } else if (mid_update) {
    v.reason = file.path + " (" + size + ") holds the bytes written so far in the middle of an update, never a complete version";
  } else {
    v.reason = file.path + " (" + size + ") matches no version that was ever complete; it first differs from the " + version +
               " at offset " + std::to_string(best.prefix) + ": " + how;
  }
  return v;
}

class AtomicReader : public ViewReader {
 public:
  explicit AtomicReader(std::string glob) : glob_(std::move(glob)) {}
  std::string name() const override { return "atomic"; }
  std::string scope() const override { return "files matching " + glob_.pattern(); }
  bool file_scoped() const override { return true; }

  void units(const StateView& state, std::vector<std::string>& out) override {
    for (const FileEntry& e : state.entries())
      if (e.kind == NodeKind::kFile && glob_.matches(e.path)) out.push_back(e.path);
  }
  bool reads(const std::string& path) override { return glob_.matches(path); }

  Recovered recover(const StateView& state, std::string_view, const std::string& unit) override {
    const FileEntry* e = file_in(state, unit);
    if (e == nullptr) return Recovered{kAbsentView, "absent"};
    return Recovered{ViewDigest().add(std::string_view("atomic")).add(e->hash.lo).add(e->hash.hi).finish(),
                     std::to_string(e->size) + " bytes"};
  }

  void integrity(const CheckContext& ctx, const std::string& path, std::vector<Violation>& out) override {
    const FileEntry* file = file_in(ctx.state, path);
    if (file == nullptr) return;
    const FileEntry* c = file_in(ctx.completed, path);
    const Key key{path, file->hash, c ? c->hash : ContentHash{}, ctx.crash_point};
    auto it = verdicts_.find(key);
    if (it == verdicts_.end()) it = verdicts_.emplace(key, judge(ctx, *file)).first;
    const Verdict& verdict = it->second;
    if (verdict.ok) return;
    Violation v;
    v.checker = name();
    v.path = path;
    v.offset = verdict.offset;
    v.reason = verdict.reason;
    v.grade = "not-atomic";
    auto add_ops = [&](const StateView& view, const FileEntry* entry) {
      if (!entry || entry->size <= verdict.offset) return;
      for (const Provenance& p : view.provenance(*entry, verdict.offset, entry->size - verdict.offset))
        if (p.seq != 0) v.ops.push_back(p.seq);
    };
    add_ops(ctx.state, file);
    if (verdict.candidate == 0) add_ops(ctx.completed, c);
    std::sort(v.ops.begin(), v.ops.end());
    v.ops.erase(std::unique(v.ops.begin(), v.ops.end()), v.ops.end());
    out.push_back(std::move(v));
  }

 private:
  using Key = std::tuple<std::string, ContentHash, ContentHash, Seq>;


  CachedGlob glob_;
  std::map<Key, Verdict> verdicts_;
};

}  // namespace

std::unique_ptr<Checker> make_atomic_checker(std::string glob) {
  return std::make_unique<OracleChecker>(std::make_unique<AtomicReader>(std::move(glob)));
}

}  // namespace crashfs
