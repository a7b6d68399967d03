// Writing an FsImage into a directory, whole or as a difference.
//
// write_tree() is the one writer of crash states to disk: `crashfs replay`
// (replay_to_disk.h) writes a state whole into a fresh directory, and a
// StateTree (state_tree.h) moves a scratch directory from one state to the
// next by writing only the entries that differ.
//
// What is written, for every entry reachable from the image's root: the
// kind (directory, file, symlink, fifo, socket, device), the content, the
// owner, the mode with set-id and sticky bits, the xattrs and the mtime;
// names of one node are hard links again.  Pre-existing directories also
// get the entries the trace never mentions (untouched by the workload),
// copied from the directory's final path under the base directory, unless
// `known_only`.  What the process may not do (devices, other owners,
// trusted.* xattrs without root) is one warning per entry, left out.
//
// Safety: names come from the trace and are untrusted.  Every entry is
// created relative to a directory descriptor this code opened, with
// O_NOFOLLOW / O_EXCL, and a name that is empty, ".", "..", or holds '/'
// or NUL stops the write with kCorruption (a real trace never has one).
//
// Incremental writing (a TreeRecord): the record says, per path, what was
// written there (a signature of the entry: its kind, content hash, owner,
// mode, mtime, xattrs, device, node; for entries copied from the base, the
// base path) and the inode's identity afterwards.  Given a record that is
// true of the directory (StateTree checks that first: it lists exactly the
// entries there, and an entry whose signature is zero is one whose content
// or metadata is not known), write_tree removes the entries the image
// lacks, writes those whose signature differs or that are missing, keeps
// the rest, sets the metadata again of every directory whose entries
// changed, and leaves the record true again.  The directory then holds what
// writing the image whole would write.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/content_hash.h"
#include "core/fs_image.h"
#include "core/state_builder.h"
#include "core/status.h"
#include "host/mentioned_entries.h"

namespace crashfs::host {

struct ReplayStats {
  std::uint64_t files = 0;
  std::uint64_t dirs = 0;
  std::uint64_t symlinks = 0;
  std::uint64_t hard_links = 0;
  std::uint64_t copied_from_base = 0;  // entries copied because the trace never mentioned them
  std::uint64_t kept = 0;              // incremental: entries already in place
  std::uint64_t removed = 0;           // incremental: entries removed (a subtree counts once)
  std::vector<std::string> warnings;
};

// What one path of a written tree holds (TreeRecord).
struct WrittenEntry {
  ContentHash signature;   // what was written there (see above)
  bool directory = false;
  // The inode afterwards (lstat): a later change by anyone else shows as a
  // different inode, ctime, size or mode.
  ino_t ino = 0;
  std::int64_t ctime_ns = 0;
  std::uint64_t size = 0;
  mode_t mode = 0;
};

// Path ('/'-separated, relative to the tree's root; "" is the root) ->
// what is there.  Sorted, so the entries below a directory are one range.
using TreeRecord = std::map<std::string, WrittenEntry, std::less<>>;

// The untouched entries of one pre-existing directory in the base
// directory: its final path there and the names the trace never mentions.
struct BaseListing {
  std::string path;
  std::vector<std::string> names;
};
// Per directory node; nullopt: not in the base.  The base does not change
// while states are written, so a listing is made once.
using BaseListings = std::unordered_map<NodeId, std::optional<BaseListing>>;

// The fixed inputs of writing states of one trace.
struct TreeSource {
  StateBuilder* builder = nullptr;  // the trace's (its base resolves content)
  int base_fd = -1;                 // the base directory, or -1 (nothing to copy from)
  bool known_only = false;          // do not copy untouched entries from the base
  const MentionedEntries* mentioned = nullptr;  // of the builder's trace; null: computed per call
  BaseListings* listings = nullptr;             // kept across calls; null: listed per call
};

// Writes `image` into the directory `root_fd`.  Without a record, the
// directory must be empty.  With one, it must be true of the directory;
// it is true again afterwards, also after an error (the entries involved
// are then left out of it).
Status write_tree(const TreeSource& source, const FsImage& image, int root_fd, TreeRecord* record, ReplayStats& stats);

// The names directly inside `rel` ("" = the root) in `record`, sorted,
// each with whether it is a directory.
std::vector<std::pair<std::string, bool>> recorded_children(const TreeRecord& record, const std::string& rel);

// The names in directory `dir_fd` (not "." and ".."), in readdir order;
// false when it cannot be listed.  `dir_fd` stays open and unmoved.
bool entry_names(int dir_fd, std::vector<std::string>& out);

// "DIR/NAME", or NAME when DIR is "" (paths relative to a tree's root).
std::string join_path(const std::string& dir, std::string_view name);

// Removes `name` in `dirfd` and everything below it, never following symlinks.
void remove_tree(int dirfd, const char* name);

}  // namespace crashfs::host
