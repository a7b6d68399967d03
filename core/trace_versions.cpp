#include "core/trace_versions.h"

#include <algorithm>

namespace crashfs {

TraceVersions::TraceVersions(StateBuilder& builder) {
  const TraceIndex& index = builder.index();
  const Trace& trace = index.trace();
  const BaseResolver& base = builder.base();
  const FsImage& initial = builder.initial();
  initial.nodes().for_each([&](NodeId id, const FsNodePtr& n) {
    if (n->kind == NodeKind::kFile) record_node(initial, id, 0, 0, base, false);
  });
  // Walk all records, tracking the operation index each one follows.
  std::size_t next_op = 0;
  for (std::uint32_t r = 0; r < trace.records().size(); ++r) {
    const Record& rec = trace.records()[r];
    const bool is_op = next_op < trace.ops().size() && trace.ops()[next_op] == r;
    if (is_op) ++next_op;
    const bool completes = rec.type == RecordType::kRelease || rec.type == RecordType::kFsync ||
                           rec.type == RecordType::kFdatasync || rec.type == RecordType::kRename;
    if (!completes) continue;
    const FsImage& image = next_op == 0 ? initial : builder.process_kill(next_op - 1);
    const bool in_place = rec.type != RecordType::kRename;
    record_node(image, rec.node, rec.seq, next_op, base, in_place);
    if (rec.type == RecordType::kRename && (rec.flags & kRenameExchange))
      record_node(image, rec.victim, rec.seq, next_op, base, false);
  }
}

void TraceVersions::record_node(const FsImage& image, NodeId node, Seq seq, std::size_t moment,
                                const BaseResolver& base, bool in_place) {
  const FsNode* n = image.node(node);
  if (n == nullptr || n->kind != NodeKind::kFile) return;
  const ContentHash hash = n->content_hash(base);
  bool first_link = true;
  for (const Link& link : n->links) {
    if (image.lookup(link.parent, link.name) != node) continue;
    const auto dir = image.path_of(link.parent);
    if (!dir) continue;
    std::string path = dir->empty() ? std::string(link.name) : *dir + "/" + std::string(link.name);
    if (first_link) {
      first_link = false;
      by_node_[node].push_back(CompleteVersion{path, moment, seq});
    }
    last_by_path_[path].push_back(CompleteVersion{path, moment, seq});
    if (in_place) in_place_by_path_[path].emplace_back(seq, hash);
    auto& list = by_path_[std::move(path)];
    if (list.empty() || list.back().first != hash) list.emplace_back(hash, seq);
  }
}

bool TraceVersions::was_complete(std::string_view path, const ContentHash& hash, Seq crash_point) const {
  const auto* list = versions(path);
  if (list == nullptr) return false;
  for (const auto& [h, seq] : *list) {
    if (seq > crash_point) break;
    if (h == hash) return true;
  }
  // The completion that ends the in-place update in progress at the crash
  // point (a release or fsync of the node there; a rename brings another
  // node's bytes, which no crash before it leaves at this path).
  const auto it = in_place_by_path_.find(std::string(path));
  if (it == in_place_by_path_.end()) return false;
  const auto& done = it->second;
  const auto next = std::upper_bound(done.begin(), done.end(), crash_point,
                                     [](Seq s, const std::pair<Seq, ContentHash>& c) { return s < c.first; });
  return next != done.end() && next->second == hash;
}

std::optional<CompleteVersion> TraceVersions::next_complete(NodeId node, Seq at) const {
  auto it = by_node_.find(node);
  if (it == by_node_.end()) return std::nullopt;
  const auto& list = it->second;
  auto v = std::lower_bound(list.begin(), list.end(), at,
                            [](const CompleteVersion& c, Seq s) { return c.seq < s; });
  if (v == list.end()) return std::nullopt;
  return *v;
}

std::optional<CompleteVersion> TraceVersions::last_complete(std::string_view path, Seq crash_point) const {
  auto it = last_by_path_.find(std::string(path));
  if (it == last_by_path_.end()) return std::nullopt;
  const auto& list = it->second;
  auto v = std::upper_bound(list.begin(), list.end(), crash_point,
                            [](Seq s, const CompleteVersion& c) { return s < c.seq; });
  if (v == list.begin()) return std::nullopt;
  return *(v - 1);
}

const std::vector<std::pair<ContentHash, Seq>>* TraceVersions::versions(std::string_view path) const {
  auto it = by_path_.find(std::string(path));
  return it == by_path_.end() ? nullptr : &it->second;
}

}  // namespace crashfs
