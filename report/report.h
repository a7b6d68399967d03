// Reports of a `crashfs run`: the terminal summary and the machine-readable
// JSON report (schema in README.md, "JSON report").
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/check_runner.h"
#include "analysis/explain.h"
#include "core/explorer.h"

namespace crashfs {

// What the run did before checking, for the report header.
struct RunInfo {
  std::string trace_path;
  std::vector<std::string> command;
  int command_exit = 0;
  std::vector<std::string> checkers;
  std::vector<std::string> ack_patterns;  // --ack
  std::size_t acknowledgements = 0;       // how many the trace held
  // What `crashfs merge` compares before combining shard reports: the
  // trace's content digest, the options that decide the states and
  // verdicts (models, explore options, checkers, acks), and "K/N" of
  // --shard (empty: unsharded).
  std::string trace_digest;
  nlohmann::json options = nlohmann::json::object();
  std::string shard;
};

// The run's verdict: "violation", "harness-error", "inconclusive" or "clean".
std::string_view run_verdict(const CheckReport& report);
// The one line that says it, with the reason when inconclusive.
std::string verdict_line(const CheckReport& report);

// The JSON report: summary, verdicts[], violations[], groups[], fixes[],
// unneeded_fsyncs[], needed_fsyncs[], harness_errors[].
nlohmann::json report_json(const RunInfo& info, const CheckReport& report, const Explanation& explanation,
                           Explorer& explorer);

// The terminal summary: models x checkers x verdict, then the explained
// violation groups (at most `max_groups`) with their verified fixes, and the
// verdict on each recorded fsync.
void print_summary(std::FILE* out, const RunInfo& info, const CheckReport& report, const Explanation& explanation,
                   std::size_t max_groups = 20);

}  // namespace crashfs
