// PathTracker: follows the records of a trace and knows, at each point, the
// path of every node (relative to the recorded directory) and the command
// name of every pid.  Used to print operations as the program did them.
//
// A node with several hard links reports the first name it was given that
// still exists.  An unlinked node keeps its last path, marked "(deleted)".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/trace_record.h"

namespace crashfs {

class PathTracker {
 public:
  // Updates the tracker with one record (in trace order).
  void apply(const Record& rec);

  // Path of `node`; "" for the root, "<node N>" if unknown.
  std::string path_of(NodeId node) const;
  // Path of `name` inside directory `parent`.
  std::string child_path(NodeId parent, std::string_view name) const;
  // Command name of `pid`, "" if unknown.
  std::string_view comm_of(std::uint32_t pid) const;

 private:
  struct Link {
    NodeId parent;
    std::string name;
  };
  struct NodeNames {
    std::vector<Link> links;
    std::string last_path;  // remembered for deleted nodes
  };
  void add_link(NodeId node, NodeId parent, std::string_view name);
  void remove_link(NodeId node, NodeId parent, std::string_view name);

  std::unordered_map<NodeId, NodeNames> nodes_;
  std::unordered_map<std::uint32_t, std::string> comms_;
};

}  // namespace crashfs
