#include "checkers/atomic_checker.h"

#include <algorithm>

#include "checkers/glob.h"

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

}  // namespace

AtomicChecker::AtomicChecker(std::string glob) : glob_(std::move(glob)) {}

bool AtomicChecker::matches(const std::string& path) {
  auto it = glob_cache_.find(path);
  if (it == glob_cache_.end()) it = glob_cache_.emplace(path, glob_match(glob_, path)).first;
  return it->second;
}

AtomicChecker::Verdict AtomicChecker::judge(const CheckContext& ctx, const FileEntry& file) const {
  Verdict v;
  if (ctx.versions.was_complete(file.path, file.hash, ctx.crash_point)) return v;
  v.ok = false;
  const std::string bytes = ctx.state.read(file);

  struct Candidate {
    int index;
    const char* label;
    std::string bytes;
    bool complete;
    std::uint64_t prefix;
  };
  std::vector<Candidate> candidates;
  const FileEntry* views[2] = {file_in(ctx.completed, file.path), file_in(ctx.acked, file.path)};
  const StateView* sources[2] = {&ctx.completed, &ctx.acked};
  const char* labels[2] = {"written by the crash point", "synced"};
  for (int i = 0; i < 2; ++i) {
    if (!views[i]) continue;
    Candidate c{i, labels[i], sources[i]->read(*views[i]), false, 0};
    c.complete = ctx.versions.was_complete(file.path, views[i]->hash, ctx.crash_point);
    c.prefix = common_prefix(bytes, c.bytes);
    candidates.push_back(std::move(c));
  }
  const std::string size = std::to_string(bytes.size()) + " bytes";
  if (candidates.empty()) {
    v.reason = file.path + " (" + size + ") matches no version that was ever complete, and the crash-free run had no such file here";
    return v;
  }
  const Candidate& best = *std::max_element(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.complete, a.prefix) < std::tie(b.complete, b.prefix);
  });
  // A process kill in the middle of an in-place update leaves exactly the
  // bytes written so far: say so rather than only "differs".
  const bool mid_update = candidates.front().index == 0 && !candidates.front().complete &&
                          candidates.front().bytes == bytes;
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
  const std::string version = std::string(best.complete ? "complete " : "incomplete ") + "version " + best.label + " (" +
                              std::to_string(best.bytes.size()) + " bytes)";
  if (mid_update && best.index != 0) {
    v.reason = file.path + " (" + size + ") holds the bytes written so far in the middle of an update, never a complete " +
               "version; the last " + version + " differs from offset " + std::to_string(best.prefix) + ": " + how;
  } else if (mid_update) {
    v.reason = file.path + " (" + size + ") holds the bytes written so far in the middle of an update, never a complete version";
  } else {
    v.reason = file.path + " (" + size + ") matches no version that was ever complete; it first differs from the " + version +
               " at offset " + std::to_string(best.prefix) + ": " + how;
  }
  return v;
}

void AtomicChecker::check(const CheckContext& ctx, std::vector<Violation>& out) {
  for (const FileEntry& file : ctx.state.entries()) {
    if (file.kind != NodeKind::kFile || !matches(file.path)) continue;
    const FileEntry* c = file_in(ctx.completed, file.path);
    const FileEntry* a = file_in(ctx.acked, file.path);
    auto version = [](const FileEntry* e) { return e ? Version{true, e->hash} : Version{}; };
    const Key key{file.path, file.hash, version(c), version(a), ctx.crash_point};
    auto it = verdicts_.find(key);
    if (it == verdicts_.end()) it = verdicts_.emplace(key, judge(ctx, file)).first;
    const Verdict& verdict = it->second;
    if (verdict.ok) continue;

    Violation v;
    v.checker = name();
    v.path = file.path;
    v.offset = verdict.offset;
    v.reason = verdict.reason;
    v.grade = "not-atomic";
    auto add_ops = [&](const StateView& view, const FileEntry* entry) {
      if (!entry || entry->size <= verdict.offset) return;
      for (const Provenance& p : view.provenance(*entry, verdict.offset, entry->size - verdict.offset))
        if (p.seq != 0) v.ops.push_back(p.seq);
    };
    add_ops(ctx.state, &file);
    if (verdict.candidate == 0) add_ops(ctx.completed, c);
    if (verdict.candidate == 1) add_ops(ctx.acked, a);
    std::sort(v.ops.begin(), v.ops.end());
    v.ops.erase(std::unique(v.ops.begin(), v.ops.end()), v.ops.end());
    out.push_back(std::move(v));
  }
}

std::unique_ptr<Checker> make_atomic_checker(std::string glob) { return std::make_unique<AtomicChecker>(std::move(glob)); }

}  // namespace crashfs
