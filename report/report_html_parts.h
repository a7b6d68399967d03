// Sections of the HTML report (report/report_html.h), each rendered to an
// HTML fragment.  Internal to report_html*.cpp.
//
// Every string that comes from the trace, the checkers or the file system
// goes through markup_text() (report/report_html_escape.h).  Element ids and
// classes the page's script and the tests rely on:
//   #timeline table.timeline, rows tr.op (id "op-SEQ"), tr.gap for omitted
//   stretches, classes dur / crash / cause on highlighted rows;
//   #bytes select#case-select, div.case (data-case = index), pre.hex panes
//   with span.d on differing bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/explain.h"
#include "report/report.h"

namespace crashfs {

// One violation whose state the page shows byte by byte.
struct ByteCase {
  std::string label;      // for the select box
  std::string state_id;
  std::string checker, path, reason;
  std::optional<std::uint64_t> offset;  // of the violation, when the report lists it
  int group = -1;         // index into Explanation::groups, or -1
};

// The example state of each group (at most `max`); without groups, one
// violation per distinct (checker, path, grade, reason).
std::vector<ByteCase> choose_byte_cases(const CheckReport& report, const Explanation& explanation, std::size_t max);

// "crash state vs what was written": a select box and, per case, hex/ASCII
// windows of the file in the state and in the process-kill state at the
// same crash point.
std::string render_bytes_section(const std::vector<ByteCase>& cases, Explorer& explorer);

// Every operation of the trace (at most `max_ops` rows, chosen around the
// violations' crash points and cause operations; the page says so).
std::string render_timeline_section(const CheckReport& report, const Explanation& explanation, Explorer& explorer,
                                    std::size_t max_ops);

}  // namespace crashfs
