// StateTree: a scratch directory that holds one crash state after another,
// moved from each to the next by writing only their difference
// (tree_writer.h), so that a command checker (cmd:, dump:) pays for the
// entries a state changes, not for the whole tree, per state.  Neighbouring
// states of an exploration (the same crash point with one operation lost,
// the next crash point) differ in a few entries.
//
// The command run on a state may change the tree (a program's recovery
// writes there), and the next state must not see that.  So before each move
// the tree is compared with the record of what was written: every entry is
// lstat'ed, and one the record does not know, or whose inode, ctime, size
// or mode differs from the record, is removed (written again if the next
// state has it); the directories above it get their metadata set again
// (and a subtree copied from the base directory is copied again whole).
// Removing or adding an entry changes its directory's ctime, so entries a
// command removed show too.
//
// That rests on ctime: every change to an inode (content, mode, owner,
// xattrs, links, times) sets it to the current time, but from a clock that
// may tick only every few milliseconds, so a change made in the same tick
// as our write would go unseen.  How the tree makes sure (ChangeClock):
//   kFineGrained  the kernel gives an inode whose ctime was read a fresh,
//                 fine-grained ctime at its next change (Linux 6.13+
//                 multigrain timestamps: tmpfs, ext4, xfs, btrfs): nothing
//                 to wait for, since every entry is lstat'ed after writing;
//   kCoarse       ctimes come from the coarse clock: before the command
//                 runs, sync() waits until CLOCK_REALTIME_COARSE has passed
//                 every ctime it recorded (at most one tick);
//   kNone         no usable ctime (e.g. one-second timestamps): every state
//                 is written whole into an emptied tree;
//   kProbe        decide at create() by writing a probe file in the tree.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/fs_image.h"
#include "core/status.h"
#include "host/tree_writer.h"

namespace crashfs::host {

class StateTree {
 public:
  enum class ChangeClock { kProbe, kFineGrained, kCoarse, kNone };

  // `source` (its builder and base directory) must outlive the tree.
  explicit StateTree(const TreeSource& source, ChangeClock clock = ChangeClock::kProbe);
  ~StateTree();  // removes the directory and everything in it
  StateTree(const StateTree&) = delete;
  StateTree& operator=(const StateTree&) = delete;

  // Makes the (empty) directory `path`; its parent must exist.
  Status create(const std::string& path);
  const std::string& path() const { return path_; }
  ChangeClock clock() const { return clock_; }

  // Makes the directory hold `image` exactly as write_state_to_disk would
  // write it, whatever was done to it since the last sync.  On an error
  // the tree is emptied (the next sync writes whole).
  Status sync(const FsImage& image, ReplayStats& stats);

 private:
  // Drops from the record what the directory no longer matches, removing
  // the entries nobody wrote or that were changed (see above).
  void verify(int root_fd);
  void verify_dir(int dirfd, const std::string& rel, bool listed, TreeRecord& fresh);
  // Empties the directory and the record; returns the root's descriptor.
  int reset();
  void wait_for_clock() const;

  TreeSource source_;
  MentionedEntries mentioned_;
  BaseListings listings_;
  ChangeClock clock_;
  std::string path_;
  ino_t root_ino_ = 0;
  TreeRecord record_;
};

// The ChangeClock of the file system holding directory `dir_fd` (see above):
// writes, stats and removes a probe file there.
StateTree::ChangeClock probe_change_clock(int dir_fd);

}  // namespace crashfs::host
