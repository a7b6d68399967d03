// Writing one crash state to a real directory (`crashfs replay`), whole,
// with write_tree (tree_writer.h: what is written and how names are kept
// beneath the target).
//
// The state is built into a fresh temporary sibling of the target
// (".NAME.crashfs-XXXXXX") and renamed into place at the end, so the target
// never holds half a state: on any error the temporary is removed and the
// target is untouched.  The target must not exist, or be an empty directory.
//
// Fidelity: every entry gets the owner, the mode (set-user/group-id and
// sticky bits included), the xattrs (every namespace) and the mtime of the
// state; special files are made with mknodat (fifos, sockets, character
// and block devices with their device numbers); hard links of every kind
// of non-directory (files, symlinks, special files) are links again.  What
// the process may not do is reported as one warning per entry and left
// out: device nodes and owners other than its own need root (CAP_MKNOD,
// CAP_CHOWN), trusted.* xattrs need CAP_SYS_ADMIN.
//
// Untouched pre-existing entries: unless known_only, each pre-existing
// directory of the state also gets the entries the trace never mentioned
// (the workload never looked them up, so they are unchanged), copied from
// that directory's final path under the base directory.
#pragma once

#include <string>

#include "core/fs_image.h"
#include "core/state_builder.h"
#include "core/status.h"
#include "host/tree_writer.h"

namespace crashfs::host {

struct ReplayOptions {
  std::string out_dir;
  int base_fd = -1;       // the base directory, or -1 (nothing to copy from)
  bool known_only = false;
};

// Writes `image` (a state built by `builder`) to options.out_dir.
// Errors: kInvalidArgument for a bad target (exists and is not empty, no
// parent directory); kCorruption for names no real trace holds; kNotFound /
// kIoError when reading the base or writing fails.
Status write_state_to_disk(StateBuilder& builder, const FsImage& image, const ReplayOptions& options,
                           ReplayStats& stats);

}  // namespace crashfs::host
