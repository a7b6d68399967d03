#include "analysis/explain_paths.h"

#include "core/path_tracker.h"

namespace crashfs {

OpPaths::OpPaths(const Trace& trace) {
  before_.resize(trace.ops().size());
  after_.resize(trace.ops().size());
  PathTracker paths;
  std::size_t next = 0;
  const auto& ops = trace.ops();
  for (std::size_t r = 0; r < trace.records().size(); ++r) {
    const Record& rec = trace.records()[r];
    const bool is_op = next < ops.size() && ops[next] == r;
    if (is_op) before_[next] = rec.node == kRootNode ? std::string() : paths.path_of(rec.node);
    if (is_op && (rec.type == RecordType::kUnlink || rec.type == RecordType::kRmdir))
      before_[next] = paths.child_path(rec.parent, rec.name);
    paths.apply(rec);
    if (is_op) {
      after_[next] = rec.node == kRootNode ? std::string() : paths.path_of(rec.node);
      if (rec.type == RecordType::kUnlink || rec.type == RecordType::kRmdir) after_[next] = before_[next];
      ++next;
    }
  }
}

std::string OpPaths::node_path_after(const Trace& trace, std::size_t op, NodeId node) {
  if (node == kRootNode) return ".";
  PathTracker paths;
  const std::uint32_t last = trace.ops()[op];
  for (std::uint32_t r = 0; r <= last; ++r) paths.apply(trace.records()[r]);
  std::string p = paths.path_of(node);
  return p.empty() ? std::string(".") : p;
}

}  // namespace crashfs
