// Reading a JSON report (report_json()'s schema, README "JSON report") back
// into the structures the renderers take, so `crashfs merge` can write the
// JUnit and HTML reports of a merged run with the same code as `run`.
//
// What JSON does not hold stays default: a violation's ops keep their
// seqs (their texts come from the explorer when rendering HTML), a fix's
// node is 0.  Fields the schema marks optional may be absent.
#pragma once

#include <nlohmann/json.hpp>

#include "analysis/check_runner.h"
#include "analysis/explain.h"
#include "core/status.h"
#include "report/report.h"

namespace crashfs {

Status parse_report(const nlohmann::json& j, RunInfo& info, CheckReport& report, Explanation& explanation);

}  // namespace crashfs
