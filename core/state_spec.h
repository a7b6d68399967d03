// StateSpec: how to rebuild one crash state, and its text form, the state id.
//
// A crash state under a model is: the crash point (the last operation
// before the crash), and how each mutation up to it persisted.  Durable
// mutations (TraceIndex::durable) always persist whole.  For the unsynced
// ones:
//   process-kill  every one persists whole (lists empty);
//   synced-only   none persists (lists empty: implied by the model);
//   posix         whole, unless listed as omitted, torn or zeroed;
//   ext4-ordered  whole, unless listed as omitted or zeroed.
//
// The id spells the spec out, so a state can be rebuilt from its id alone
// (with the trace):
//
//   id     := model [':' sector] '@' point { '-' part }
//   model  := process-kill | synced-only | posix | ext4-ordered
//   sector := piece size of torn writes (posix only; written when not 4096)
//   point  := seq ['.' sub]            crash after this operation (OpId)
//   part   := 'o' range {',' range}    omitted: every unsynced mutation whose
//                                      seq lies in one of the ranges
//           | 'z' seq {',' seq}        zeroed: the write's size change
//                                      persisted, its bytes did not
//           | 't' seq 's' pieces       torn: of the write's sector-sized
//                                      pieces (0 = the first it touches),
//                                      only these persisted
//   range  := seq [':' seq]            (inclusive)
//   pieces := n [':' n] {',' n [':' n]}
//
// e.g. "posix@41-o38,40-t39s1", "ext4-ordered@17-z12", "posix:512@9-t7s0:2,5".
// Parts come in the order o, t..., z; ranges and lists ascend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/fs_image.h"
#include "core/status.h"
#include "core/trace.h"

namespace crashfs {

enum class ModelKind : std::uint8_t { kProcessKill, kSyncedOnly, kPosix, kExt4Ordered };
inline constexpr std::uint32_t kDefaultSector = 4096;

std::string_view to_string(ModelKind model);
std::optional<ModelKind> model_from_string(std::string_view name);

struct SeqRange {
  Seq first = 0;
  Seq last = 0;
  bool operator==(const SeqRange&) const = default;
};

struct TornWrite {
  Seq op = 0;
  std::vector<PieceRange> kept;
  bool operator==(const TornWrite&) const = default;
};

struct StateSpec {
  ModelKind model = ModelKind::kProcessKill;
  std::uint32_t sector = kDefaultSector;
  OpId point;
  std::vector<SeqRange> omitted;
  std::vector<TornWrite> torn;
  std::vector<Seq> zeroed;

  bool operator==(const StateSpec&) const = default;

  // The id (text form above).
  std::string id() const;
  // Parses an id; the error names what is wrong and where.  Only the
  // syntax is checked here: plan_state() checks it against a trace.
  static Status parse(std::string_view id, StateSpec& out);
};

}  // namespace crashfs
