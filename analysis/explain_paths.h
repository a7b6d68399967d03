// The paths each operation of a trace acted on, as the program named them
// then: computed in one pass (PathTracker), so explain can ask for any
// operation's paths in O(1).
#pragma once

#include <string>
#include <vector>

#include "core/trace.h"

namespace crashfs {

class OpPaths {
 public:
  explicit OpPaths(const Trace& trace);
  // The path of the operation's node before it ("" for the root): the
  // source of a rename, the name an unlink removes.
  const std::string& before(std::size_t op) const { return before_[op]; }
  // ... and after it: the target of a rename, the name a create made.
  const std::string& after(std::size_t op) const { return after_[op]; }
  // The path of `node` right after operation `op` (one PathTracker pass up
  // to it; for the few barriers explain places).
  static std::string node_path_after(const Trace& trace, std::size_t op, NodeId node);

 private:
  std::vector<std::string> before_, after_;
};

}  // namespace crashfs
