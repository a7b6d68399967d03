// PersistenceModel: which crash states a model allows at one crash point,
// and how the explorer enumerates them.
//
// Every model shares the durability rules of TraceIndex (what fsync,
// fdatasync, fsyncdir and O_SYNC/O_DSYNC writes cover) and the apply rules
// of FsImage (a state applies a subset of the operations, in program order,
// some torn or zeroed).  A model only says which subsets and variants of the
// *unsynced* mutations survive; durable ones always do.  The rules of each
// model are in its header: model_process_kill.h, model_synced_only.h,
// model_posix.h, model_ext4_ordered.h.
//
// A model describes a state as a Candidate: its deviations from "every
// mutation persisted whole" (omitted runs of unsynced operations, zeroed
// writes, torn writes).  At each point the explorer asks for the size of the
// space; when it is small, exhaustive() emits every allowed combination;
// otherwise bounded() emits the ALICE-style passes documented per model, in
// priority order, plus `samples` seeded random states.  bounded_count() must
// equal the number bounded() emits (the explorer plans its --max-states
// budget with it; a test checks they agree).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/crash_walk.h"
#include "core/fs_image.h"
#include "core/state_spec.h"
#include "core/trace_index.h"

namespace crashfs {

struct Deviation {
  enum class Kind : std::uint8_t {
    kOmit,    // every unsynced mutation in [first, last] is lost (first and last are unsynced)
    kZeroed,  // write `first`: size change only
    kTorn,    // write `first`: size change and the pieces in `kept`
  };
  Kind kind = Kind::kOmit;
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  std::vector<PieceRange> kept;
};

// A crash state as its deviations; no two deviations touch the same operation.
struct Candidate {
  std::vector<Deviation> deviations;
  void clear() { deviations.clear(); }
  Candidate& omit(std::size_t first, std::size_t last);
  Candidate& zero(std::size_t op);
  Candidate& tear(std::size_t op, std::vector<PieceRange> kept);
};

struct PointContext {
  const TraceIndex& index;
  const CrashWalk& walk;
  std::uint32_t sector = 4096;
  std::uint32_t window = 8;   // bounded passes look at the last `window` unsynced operations
  std::uint32_t samples = 8;  // random states per bounded point
  std::uint64_t seed = 0;     // random seed for this point
};

// Returns false to stop the enumeration (the point's quota is reached).
using EmitFn = std::function<bool(const Candidate&)>;

class PersistenceModel {
 public:
  virtual ~PersistenceModel() = default;
  virtual ModelKind kind() const = 0;
  // Number of states this point allows, or any value > limit once it is
  // known to exceed `limit` (counting stops there).
  virtual std::uint64_t space(const PointContext& ctx, std::uint64_t limit) const = 0;
  virtual void exhaustive(const PointContext& ctx, const EmitFn& emit) const = 0;
  virtual std::uint64_t bounded_count(const PointContext& ctx) const = 0;
  virtual void bounded(const PointContext& ctx, const EmitFn& emit) const = 0;
};

std::unique_ptr<PersistenceModel> make_model(ModelKind kind);

// ---- helpers shared by the models ----

// splitmix64: small, fast, and the same sequence everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

 private:
  std::uint64_t state_;
};

// The torn variants the bounded passes try for a write of `pieces` pieces
// (>= 2): every proper non-empty subset when pieces <= 4; otherwise each
// prefix, each suffix and each single piece missing.
std::uint64_t bounded_tear_count(std::uint64_t pieces);
void for_each_bounded_tear(std::uint64_t pieces, const std::function<bool(std::vector<PieceRange>)>& f);
// The piece ranges of subset `mask` (bit p = piece p kept).
std::vector<PieceRange> pieces_of_mask(std::uint64_t mask, std::uint64_t pieces);
// A random proper non-empty subset of `pieces` (>= 2) pieces.
std::vector<PieceRange> random_tear(std::uint64_t pieces, Rng& rng);
// Adds `ops` (ascending, all unsynced) as omitted runs, merging neighbours
// that are adjacent among the unsynced operations.
void add_omitted_ops(const OpSet& unsynced, const std::vector<std::uint32_t>& ops, Candidate& out);
// The "file data lost" pass: the last `window` unsynced writes grouped by
// file; for each file with at least two of them (most recent first), a
// candidate losing all their data (growing writes zeroed, others omitted).
std::uint64_t file_data_loss_count(const PointContext& ctx);
void file_data_loss(const PointContext& ctx, const EmitFn& emit, bool& go_on);
// Saturating arithmetic for space sizes.
std::uint64_t sat_mul(std::uint64_t a, std::uint64_t b);
std::uint64_t sat_add(std::uint64_t a, std::uint64_t b);
std::uint64_t sat_pow2(std::uint64_t n);

}  // namespace crashfs
