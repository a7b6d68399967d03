// `crashfs run` of a workload in a fresh directory, with its JSON report
// read back: the verdict per model (and checker), the grades found, the
// exit code.  For the mounted verdict tests.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace crashfs::test {

struct VerdictRun {
  RunResult run;
  nlohmann::json report;

  // "clean" / "violation" / "inconclusive" of `model` x `checker` (the
  // first checker when empty), or "missing".
  std::string verdict(const std::string& model, const std::string& checker = "") const {
    for (const auto& v : report["verdicts"])
      if (v["model"] == model && (checker.empty() || v["checker"] == checker)) return v["verdict"];
    return "missing";
  }
  // The grades of the listed violations under `model`.
  std::set<std::string> grades(const std::string& model) const {
    std::set<std::string> out;
    for (const auto& v : report["violations"])
      if (v["model"] == model) out.insert(v["grade"].get<std::string>());
    return out;
  }
  std::string first_reason(const std::string& model, const std::string& grade) const {
    for (const auto& v : report["violations"])
      if (v["model"] == model && v["grade"] == grade) return v["reason"];
    return "";
  }
};

// Runs `crashfs run --dir DIR/work --trace DIR/run.trace --report-json
// DIR/report.json OPTIONS... -- COMMAND...` (DIR/work is created if
// missing).  Fails the test unless crashfs exited with one of `codes` and
// wrote its report.
inline VerdictRun crashfs_verdicts(const TempDir& dir, const std::vector<std::string>& options,
                                   const std::vector<std::string>& command, std::set<int> codes = {0, 1},
                                   RunOptions opt = {}) {
  std::filesystem::create_directories(dir / "work");
  std::vector<std::string> argv = {CRASHFS_BINARY, "run",           "--dir",       dir / "work",
                                   "--trace",      dir / "run.trace", "--report-json", dir / "report.json"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  if (opt.timeout == RunOptions{}.timeout) opt.timeout = std::chrono::seconds(300);
  VerdictRun v;
  v.run = run(argv, opt);
  BOOST_TEST_REQUIRE(codes.count(v.run.exit_code) == 1u, v.run.describe());
  v.report = nlohmann::json::parse(read_file(dir / "report.json"));
  return v;
}

}  // namespace crashfs::test
