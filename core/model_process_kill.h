// process-kill: the program (or the whole process tree) is killed at the
// crash point; the kernel and its page cache survive.
//
// Rules: every operation up to the crash point persists, whole; nothing
// after it does.  One state per crash point: the state a crash-free run had
// there (what checkers get as CheckContext::completed).  Its id is
// "process-kill@<point>".
#pragma once

#include "core/persistence_model.h"

namespace crashfs {

class ProcessKillModel : public PersistenceModel {
 public:
  ModelKind kind() const override { return ModelKind::kProcessKill; }
  std::uint64_t space(const PointContext&, std::uint64_t) const override { return 1; }
  void exhaustive(const PointContext&, const EmitFn& emit) const override { emit(Candidate{}); }
  std::uint64_t bounded_count(const PointContext&) const override { return 1; }
  void bounded(const PointContext&, const EmitFn& emit) const override { emit(Candidate{}); }
};

}  // namespace crashfs
