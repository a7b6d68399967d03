// The content key of a whole state: a digest of every entry's path, kind,
// mode, size and content hash (symlink targets included).  Two states with
// the same key hold the same tree, so a command's verdict on one holds for
// the other.  Costs O(entries); content hashes are cached per file version.
#pragma once

#include "core/content_hash.h"
#include "core/state_view.h"

namespace crashfs {

ContentHash state_key(const StateView& state);

}  // namespace crashfs
