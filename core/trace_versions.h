// TraceVersions: the VersionHistory of a trace (core/check_context.h).
//
// Walks the crash-free run once and records, per path, the content hash a
// file had at each moment it was complete:
//   - before the run: every pre-existing file the trace knows (seq 0);
//   - at a Release, Fsync or Fdatasync of its node (every path it has then);
//   - at a Rename that moved it there (both nodes of an exchange).
// was_complete(path, hash, p) is then a lookup filtered by seq <= p plus
// the path's first in-place completion (release, fsync) after p, and
// next_complete(node, s) a lookup of the node's completions by seq.
// Hashes are XXH3-128 of the bytes, as FileEntry::hash.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/check_context.h"
#include "core/state_builder.h"

namespace crashfs {

class TraceVersions : public VersionHistory {
 public:
  // Walks every record once (uses builder's process-kill images).
  explicit TraceVersions(StateBuilder& builder);

  bool was_complete(std::string_view path, const ContentHash& hash, Seq crash_point) const override;
  std::optional<CompleteVersion> next_complete(NodeId node, Seq at) const override;
  std::optional<CompleteVersion> last_complete(std::string_view path, Seq crash_point) const override;
  // Every version of `path`: (hash, seq when it was complete), in seq order.
  const std::vector<std::pair<ContentHash, Seq>>* versions(std::string_view path) const;

 private:
  void record_node(const FsImage& image, NodeId node, Seq seq, std::size_t moment, const BaseResolver& base,
                   bool in_place);

  std::unordered_map<std::string, std::vector<std::pair<ContentHash, Seq>>> by_path_;
  std::unordered_map<NodeId, std::vector<CompleteVersion>> by_node_;  // in seq order
  std::unordered_map<std::string, std::vector<CompleteVersion>> last_by_path_;  // every completion, in seq order
  // (seq, hash) of each completion by a release or fsync of the node at the path, in seq order.
  std::unordered_map<std::string, std::vector<std::pair<Seq, ContentHash>>> in_place_by_path_;
};

}  // namespace crashfs
