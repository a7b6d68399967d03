// What a checker is given for one crash state (checkers/checker.h says how
// checkers use it; checkers/view_oracle.h applies the one oracle of
// DESIGN.md on top of it).
//
//   state      the crash state under test;
//   completed  the state a crash-free run had at the same crash point (every
//              completed operation, whole: the process-kill state).  What a
//              reader "should" see; used to tell silent corruption (bytes
//              that differ from what was written, undetectably) from a torn
//              tail the format detects;
//   versions   which contents each path had at moments it was complete
//              (release, fsync or rename of its node) up to the crash point,
//              and each node's next complete version;
//   history    the crash-free run itself: its state at every moment and
//              what the program acknowledged (RunHistory below);
//   moment     the moment of `history` this state is judged at: the crash
//              happened after that many of the run's operations.
//
// Moments.  The run's history is indexed by moments: moment 0 is the state
// before the first operation, moment p + 1 the state after operation p
// (crash point p).  A crash at crash point p is judged at moment p + 1: it
// may show the run at any moment <= p + 1, never a later one, and it must
// not be older than the latest acknowledgement at a moment <= p + 1.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/content_hash.h"
#include "core/state_view.h"
#include "core/trace_record.h"

namespace crashfs {

class Trace;

// A version of a node at a moment its content was complete.
struct CompleteVersion {
  std::string path;      // a path the node had then
  std::size_t moment = 0;
  Seq seq = 0;           // the record that completed it (release, fsync, rename)
};

class VersionHistory {
 public:
  virtual ~VersionHistory() = default;
  // True if `path` held exactly `hash` at some moment <= crash_point when its
  // content was complete (release, fsync or rename of its node), or holds
  // it at the first release or fsync of the node there after crash_point:
  // a writer killed after the last write of an in-place update and before
  // the close that completes it has left the complete version (every byte
  // of it was written by then).
  virtual bool was_complete(std::string_view path, const ContentHash& hash, Seq crash_point) const = 0;
  // The first complete version of `node` completed by a record with seq >=
  // `at`: what the writer finished after a crash at `at`.  nullopt when the
  // node never completes again (its content at the end of the run is then
  // the writer's last word; see RunHistory::moments()).
  virtual std::optional<CompleteVersion> next_complete(NodeId node, Seq at) const { return std::nullopt; }
  // The last complete version `path` had at a moment <= crash_point (its
  // bytes: RunHistory::state_at(moment) at `path`), if any.
  virtual std::optional<CompleteVersion> last_complete(std::string_view path, Seq crash_point) const {
    return std::nullopt;
  }
};

// A moment the program told someone that something is done.
struct Acknowledgement {
  std::size_t moment = 0;  // it holds for crashes judged at moments >= this
  std::string what;        // "stdout line \"commit 3\" after #41", "mark \"sent\" after #17", "fdatasync(j.log) #12"
};

// What the crash-free run passed through and what it acknowledged.
class RunHistory {
 public:
  virtual ~RunHistory() = default;
  // The trace whose run this is (re-explored traces map onto it).
  virtual const Trace& trace() const = 0;
  // Number of moments: the run's operations + 1.
  virtual std::size_t moments() const = 0;
  // The run's (process-kill) state at `moment`.  Cheap to call in moment
  // order; the view stays valid while it is held.
  virtual std::shared_ptr<const StateView> state_at(std::size_t moment) const = 0;
  // Acknowledgements from the program's output and marks (--ack), in
  // moment order.
  virtual const std::vector<Acknowledgement>& acknowledgements() const = 0;
  // The latest acknowledgement of the file at `path` by a completed fsync /
  // fdatasync of it, or a write on an O_SYNC / O_DSYNC descriptor, at a
  // moment <= `moment` (its content and its existence at `path`), or
  // nullptr.  For file-scoped checkers.
  virtual const Acknowledgement* latest_file_sync(std::string_view path, std::size_t moment) const = 0;
  // Every moment at which some acknowledgement (output, mark or file sync)
  // takes effect, ascending: between two of them the promises are the same.
  virtual std::vector<std::size_t> promise_moments() const = 0;
  // The latest acknowledgement from output or marks at a moment <= `moment`.
  const Acknowledgement* latest_acknowledgement(std::size_t moment) const;
};

struct CheckContext {
  const StateView& state;
  const StateView& completed;
  const VersionHistory& versions;
  Seq crash_point = 0;  // seq of the last operation before the crash
  // Null when no history is available (history and durability are then not
  // judged; the runner always gives one).
  const RunHistory* history = nullptr;
  std::size_t moment = 0;
  std::string_view state_id;  // replayable id ("posix@30-o28"); may be empty
};

}  // namespace crashfs
