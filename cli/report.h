// Reports of a `crashfs run`: the terminal summary and the machine-readable
// JSON report (schema in README.md, "JSON report").
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checkers/check_runner.h"
#include "core/explorer.h"

namespace crashfs::cli {

// What the run did before checking, for the report header.
struct RunInfo {
  std::string trace_path;
  std::vector<std::string> command;
  int command_exit = 0;
  std::vector<std::string> checkers;
};

// The JSON report: summary, verdicts[], violations[], harness_errors[].
nlohmann::json report_json(const RunInfo& info, const CheckReport& report, Explorer& explorer);

// The terminal summary: models x checkers x verdict, then the violations
// (grouped by checker, path and reason, at most `max_groups`).
void print_summary(std::FILE* out, const RunInfo& info, const CheckReport& report, Explorer& explorer,
                   std::size_t max_groups = 20);

// One operation as the program did it, by seq ("#41 python3[12/12] write a @0 +4096").
std::string describe_seq(Explorer& explorer, Seq seq);

}  // namespace crashfs::cli
