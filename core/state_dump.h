// A canonical text form of a StateView, one line per entry:
//   "<path>\t<kind>\t<mode octal>\t<size>\t<content hash>[\t<mtime_ns>]"
// Two states are equal (for everything checkers can see, mtimes optional)
// iff their dumps are equal.  Used by tests to compare state sets and by
// tools to print a state.
#pragma once

#include <string>

#include "core/state_view.h"

namespace crashfs {

std::string dump_state(const StateView& state, bool with_mtime = false);

}  // namespace crashfs
