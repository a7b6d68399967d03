// The `atomic@GLOB` checker: files that must be replaced atomically
// (configuration files, caches written whole).
//
// Rule: every regular file matching GLOB in a crash state is absent, or
// equals a version of that path that was complete at some moment up to the
// crash point (ctx.versions.was_complete: at release, fsync or rename of
// its node).  Anything else (a truncated file, a zero-filled tail, a mix of
// old and new bytes) is a violation, grade "not-atomic".
//
// The violation names the path and the first offset where the file differs
// from the nearest version a reader could have expected: among the file in
// ctx.completed (what the program had written by the crash point) and in
// ctx.acked (what was synced), a version that was complete is preferred,
// then the longest common prefix.  Its operations are those that wrote (or
// failed to write) the bytes from that offset on, in both files.
//
// Verdicts are cached per (path, file content, completed content, acked
// content, crash point).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "checkers/checker.h"

namespace crashfs {

class AtomicChecker : public Checker {
 public:
  explicit AtomicChecker(std::string glob);
  std::string name() const override { return "atomic"; }
  void check(const CheckContext& ctx, std::vector<Violation>& out) override;

 private:
  struct Version {
    bool present = false;
    ContentHash hash;
    auto operator<=>(const Version&) const = default;
  };
  struct Verdict {
    bool ok = true;
    std::uint64_t offset = 0;
    std::string reason;
    int candidate = -1;  // 0: completed, 1: acked, -1: none
  };
  using Key = std::tuple<std::string, ContentHash, Version, Version, Seq>;

  bool matches(const std::string& path);
  Verdict judge(const CheckContext& ctx, const FileEntry& file) const;

  std::string glob_;
  std::map<Key, Verdict> verdicts_;
  std::unordered_map<std::string, bool> glob_cache_;
};

std::unique_ptr<Checker> make_atomic_checker(std::string glob);

}  // namespace crashfs
