// MemoryHistory: a RunHistory (core/check_context.h) over hand-built
// states, for tests of checkers: moment m is states[m], acknowledgements
// and file syncs are given.  Its trace has no operations.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/check_context.h"
#include "core/memory_state.h"
#include "core/trace.h"

namespace crashfs {

class MemoryHistory : public RunHistory {
 public:
  // Appends the state at the next moment; returns its moment.
  std::size_t add(MemoryState state);
  // An acknowledgement from output at `moment`.
  MemoryHistory& acknowledge(std::size_t moment, std::string what);
  // A completed fsync of the file at `path` at `moment`.
  MemoryHistory& file_sync(std::string path, std::size_t moment);

  const Trace& trace() const override { return trace_; }
  std::size_t moments() const override { return states_.size(); }
  std::shared_ptr<const StateView> state_at(std::size_t moment) const override { return states_.at(moment); }
  const std::vector<Acknowledgement>& acknowledgements() const override { return acks_; }
  const Acknowledgement* latest_file_sync(std::string_view path, std::size_t moment) const override;
  std::vector<std::size_t> promise_moments() const override;

 private:
  Trace trace_;
  std::vector<std::shared_ptr<const MemoryState>> states_;
  std::vector<Acknowledgement> acks_;
  std::map<std::string, std::vector<Acknowledgement>, std::less<>> syncs_;
};

}  // namespace crashfs
