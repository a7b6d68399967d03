// JUnit XML report of a `crashfs run` (`--junit FILE`), for CI systems
// (Jenkins, GitLab) to show crash-consistency verdicts as test results.
//
// Contract of render_junit():
//   <testsuites> holding one <testsuite name="crashfs"> with tests, failures,
//   errors, skipped and time attributes;
//   one <testcase classname="crashfs.MODEL" name="CHECKER"> per cell of
//   report.cells (model x checker), in the report's order;
//   a cell with violations carries <failure message="N violations in M
//   states" type="crashfs.violation">, whose text is the grouped explanation
//   of the Explanation groups of that checker and model (kind, path, reason,
//   operations, fix, the replay command for the example state); when no
//   group covers the cell (explain capped or not run), its listed
//   violations instead;
//   harness errors become one <testcase classname="crashfs" name="harness">
//   with an <error>.
// Every string is escaped with markup_text(): the document is well-formed
// XML 1.0 whatever bytes file names hold.  Pure function of its inputs (no
// explorer needed: the explanation already holds the operation texts).
#pragma once

#include <string>

#include "analysis/explain.h"
#include "report/report.h"

namespace crashfs {

// `elapsed_seconds`: the run's wall time, for the time attributes.
std::string render_junit(const RunInfo& info, const CheckReport& report, const Explanation& explanation,
                         double elapsed_seconds = 0.0);

}  // namespace crashfs
