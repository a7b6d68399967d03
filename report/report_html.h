// Self-contained HTML report of a `crashfs run` (`--html FILE`).
//
// Contract of render_html(): one page, inline CSS and JS, no network
// access, readable from file://.  Sections (ids for links and tests):
//   #summary   table#summary-table: one row per model x checker (tr.cell,
//              class clean / violation) and the exploration figures;
//   #groups    one article.group per explained violation group: kind, path,
//              reason, explanation, operations (linked to the timeline),
//              fix or why none, replay command; then the verdict on every
//              recorded fsync (needed / not needed);
//   #bytes     for a violation chosen in select#case-select: the violating
//              file in the group's example state beside the same file in the
//              process-kill state at the same crash point, as hex/ASCII
//              windows around the violation offset, differing bytes
//              highlighted, with sizes and where the bytes came from;
//   #timeline  every operation (seq, process, syscall, path, offset,
//              length, when it became durable), durability operations, crash
//              points of listed violations and operations at fault marked;
//              capped at `max_timeline_ops` rows around the violations, and
//              the page says so.
// Everything from the trace or the files is escaped (markup_text).  The
// explorer is the one the report was made with: states are rebuilt from
// their ids (StateSpec::parse + Explorer::view / completed).
#pragma once

#include <string>

#include "analysis/explain.h"
#include "report/report.h"

namespace crashfs {

inline constexpr std::size_t kDefaultTimelineOps = 2000;
inline constexpr std::size_t kMaxByteCases = 20;

std::string render_html(const RunInfo& info, const CheckReport& report, const Explanation& explanation,
                        Explorer& explorer, std::size_t max_timeline_ops = kDefaultTimelineOps);

}  // namespace crashfs
