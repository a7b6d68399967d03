// TraceHistory: the RunHistory (core/check_context.h) of a recorded trace.
//
//   state_at(m)   the process-kill state after m operations, built by the
//                 explorer's StateBuilder (which keeps every point's image,
//                 so walking moments in order costs one operation each);
//                 the last few views are kept, so checkers asking for the
//                 same moment share one view and its hashes;
//   acknowledgements  given (core/acknowledgements.h collects them from
//                 the trace's output lines and marks);
//   file syncs    found once, by walking the trace: every Fsync or
//                 Fdatasync of a regular file and every Write flagged
//                 O_SYNC / O_DSYNC acknowledges that file at every path it
//                 has right after it.
//
// Thread-safe once every process-kill image of the explorer's builder is
// built (StateBuilder::final_image(); the check runner does it before it
// starts threads): state_at() then only reads them, under a lock for its
// few recent views, while the exploration may go on building crash states
// with the same builder.  The explorer must outlive it.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/check_context.h"
#include "core/explorer.h"

namespace crashfs {

class TraceHistory : public RunHistory {
 public:
  TraceHistory(Explorer& explorer, std::vector<Acknowledgement> acknowledgements);

  const Trace& trace() const override { return explorer_.trace(); }
  std::size_t moments() const override { return explorer_.index().size() + 1; }
  std::shared_ptr<const StateView> state_at(std::size_t moment) const override;
  const std::vector<Acknowledgement>& acknowledgements() const override { return acks_; }
  const Acknowledgement* latest_file_sync(std::string_view path, std::size_t moment) const override;
  std::vector<std::size_t> promise_moments() const override;

 private:
  Explorer& explorer_;
  std::vector<Acknowledgement> acks_;
  // path -> its file-sync acknowledgements, in moment order
  std::unordered_map<std::string, std::vector<Acknowledgement>> file_syncs_;
  mutable std::mutex mutex_;  // guards recent_ and the builder
  mutable std::vector<std::pair<std::size_t, std::shared_ptr<const StateView>>> recent_;  // small LRU
};

}  // namespace crashfs
