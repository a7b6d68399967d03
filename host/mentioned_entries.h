// The directory entries a trace names (created, removed, renamed, linked,
// or introduced by a Known record), as (parent node, name).  Every other
// entry of a pre-existing directory was never touched by the workload, so
// it is the same in every crash state as in the final tree: replay copies
// it from the base directory, and a view passes it through from there.
#pragma once

#include <set>
#include <string_view>
#include <utility>

#include "core/trace.h"

namespace crashfs::host {

using MentionedEntries = std::set<std::pair<NodeId, std::string_view>>;

// The names are views into `trace`'s records.
MentionedEntries mentioned_entries(const Trace& trace);

}  // namespace crashfs::host
