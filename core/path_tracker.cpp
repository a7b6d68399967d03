#include "core/path_tracker.h"

#include <algorithm>

#include <fmt/format.h>

namespace crashfs {

void PathTracker::add_link(NodeId node, NodeId parent, std::string_view name) {
  auto& names = nodes_[node];
  names.links.push_back(Link{parent, std::string(name)});
}

void PathTracker::remove_link(NodeId node, NodeId parent, std::string_view name) {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return;
  auto& links = it->second.links;
  auto pos = std::find_if(links.begin(), links.end(),
                          [&](const Link& l) { return l.parent == parent && l.name == name; });
  if (pos == links.end()) return;
  if (links.size() == 1) it->second.last_path = child_path(parent, name);
  links.erase(pos);
}

void PathTracker::apply(const Record& rec) {
  switch (rec.type) {
    case RecordType::kProcessInfo:
      comms_[rec.pid] = std::string(rec.data);
      break;
    case RecordType::kKnown: {
      if (rec.node == kRootNode) {
        nodes_[kRootNode];
        break;
      }
      auto& links = nodes_[rec.node].links;
      const bool present = std::any_of(links.begin(), links.end(),
                                       [&](const Link& l) { return l.parent == rec.parent && l.name == rec.name; });
      if (!present) add_link(rec.node, rec.parent, rec.name);
      break;
    }
    case RecordType::kCreate:
    case RecordType::kMkdir:
    case RecordType::kMknod:
    case RecordType::kSymlink:
      add_link(rec.node, rec.parent, rec.name);
      break;
    case RecordType::kLink:
      add_link(rec.node, rec.new_parent, rec.new_name);
      break;
    case RecordType::kUnlink:
    case RecordType::kRmdir:
      remove_link(rec.node, rec.parent, rec.name);
      break;
    case RecordType::kRename:
      if (rec.flags & kRenameExchange) {
        remove_link(rec.node, rec.parent, rec.name);
        remove_link(rec.victim, rec.new_parent, rec.new_name);
        add_link(rec.node, rec.new_parent, rec.new_name);
        add_link(rec.victim, rec.parent, rec.name);
      } else {
        if (rec.victim != 0) remove_link(rec.victim, rec.new_parent, rec.new_name);
        remove_link(rec.node, rec.parent, rec.name);
        add_link(rec.node, rec.new_parent, rec.new_name);
        if ((rec.flags & kRenameWhiteout) && rec.whiteout != 0) add_link(rec.whiteout, rec.parent, rec.name);
      }
      break;
    default:
      break;
  }
}

std::string PathTracker::path_of(NodeId node) const {
  if (node == kRootNode) return "";
  std::string path;
  // Walk up, guarding against cycles in a damaged or hostile trace.
  for (int depth = 0; depth < 4096; ++depth) {
    if (node == kRootNode) return path;
    auto it = nodes_.find(node);
    if (it == nodes_.end()) return fmt::format("<node {}>{}{}", node, path.empty() ? "" : "/", path);
    if (it->second.links.empty()) {
      const std::string& last = it->second.last_path;
      std::string base = last.empty() ? fmt::format("<node {}>", node) : last + " (deleted)";
      return path.empty() ? base : base + "/" + path;
    }
    const Link& link = it->second.links.front();
    path = path.empty() ? link.name : link.name + "/" + path;
    node = link.parent;
  }
  return "<cycle>/" + path;
}

std::string PathTracker::child_path(NodeId parent, std::string_view name) const {
  std::string dir = path_of(parent);
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

std::string_view PathTracker::comm_of(std::uint32_t pid) const {
  auto it = comms_.find(pid);
  return it == comms_.end() ? std::string_view{} : std::string_view(it->second);
}

}  // namespace crashfs
