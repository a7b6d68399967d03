// CrashWalk: what the explorer knows at each crash point, kept up to date
// incrementally as it walks the points in order (O(log n) per operation).
//
// At crash point i:
//   unsynced()           the mutations <= i not durable at i (TraceIndex),
//   unsynced_metadata()  those of them that are ext4-ordered metadata,
//   unsynced_writes()    those of them that are writes with data,
//   last_durable()       the last mutation <= i that is durable at i (or -1),
//   metadata_floor()     the last durable metadata mutation (or -1).
//
// State keys.  A crash state is determined by how each mutation persisted
// (FsImage::apply is deterministic), so its structural key is the XOR, over
// the mutations that persisted, of a 128-bit pseudo-random value for (op,
// way it persisted).  Equal keys mean equal decisions and hence equal
// states (up to a 2^-128 accident); different keys may still be equal
// states, which only costs a duplicate check.  Keys are computed from the
// deviations alone: the all-whole key is maintained as the walk goes and an
// omitted run of unsynced operations is one range query.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/content_hash.h"
#include "core/fs_image.h"
#include "core/op_set.h"
#include "core/trace_index.h"

namespace crashfs {

using StateKey = ContentHash;

inline StateKey operator^(const StateKey& a, const StateKey& b) { return StateKey{a.lo ^ b.lo, a.hi ^ b.hi}; }

class CrashWalk {
 public:
  explicit CrashWalk(const TraceIndex& index);

  // Moves to the next crash point (the first call moves to point 0).
  void advance();
  bool done() const { return next_ >= index_->size(); }
  std::size_t point() const { return next_ - 1; }

  const OpSet& unsynced() const { return unsynced_; }
  const OpSet& unsynced_metadata() const { return metadata_; }
  const OpSet& unsynced_writes() const { return writes_; }
  std::ptrdiff_t last_durable() const { return last_durable_; }
  std::ptrdiff_t metadata_floor() const { return metadata_floor_; }

  // Key of the state where every mutation <= point persisted whole.
  const StateKey& whole_key() const { return whole_; }
  // XOR of the whole-keys of the unsynced mutations in [first, last]:
  // whole_key() ^ omitted_key(a, b) is the key with those omitted.
  StateKey omitted_key(std::size_t first, std::size_t last) const;
  static StateKey op_key(std::size_t op);
  static StateKey zeroed_key(std::size_t op);
  static StateKey torn_key(std::size_t op, const std::vector<PieceRange>& kept);

 private:
  void add_unsynced(std::size_t op);
  void remove_unsynced(std::size_t op);
  StateKey prefix_xor(std::size_t end) const;  // over unsynced ops < end

  const TraceIndex* index_;
  std::size_t next_ = 0;
  OpSet unsynced_, metadata_, writes_;
  std::vector<StateKey> xor_tree_;  // Fenwick tree of XORs over unsynced ops
  StateKey whole_;
  std::ptrdiff_t last_durable_ = -1;
  std::ptrdiff_t metadata_floor_ = -1;
};

}  // namespace crashfs
