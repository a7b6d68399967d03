// `crashfs merge`: the reports of --shard 1/3, 2/3 and 3/3 merged must say
// what the unsharded report of the same trace says (the reference: an
// unsharded `crashfs check` of that trace): the verdict, every model x
// checker cell with its counts, the summary's counts, the violation groups.
// Reports of different options, or an incomplete set of shards, are refused.
#include <nlohmann/json.hpp>

#include "tests/integration/mounted.h"

using namespace crashfs::test;
using nlohmann::json;

namespace {

const std::vector<std::string> kCheck = {"--checker", "journal:u32le+crc32c@data.log", "--model", "process-kill",
                                         "--model",   "posix",                         "--ack",   "^ack "};

json check(const TempDir& t, const std::string& name, std::vector<std::string> extra, int& code) {
  std::vector<std::string> argv = {crashfs_binary(), "check", t / "j.trace", "--base", t / "work"};
  argv.insert(argv.end(), kCheck.begin(), kCheck.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.insert(argv.end(), {"--report-json", t / name});
  const RunResult r = run(argv);
  code = r.exit_code;
  BOOST_TEST_REQUIRE((r.exit_code == 0 || r.exit_code == 1), r.describe());
  return json::parse(read_file(t / name));
}

// What must agree: verdicts with their counts, the summary's counts, groups.
json verdict_view(const json& r) {
  json groups = json::array();
  for (const json& g : r["groups"])
    groups.push_back({{"checker", g["checker"]}, {"grade", g["grade"]}, {"kind", g["kind"]},
                      {"violations", g["violations"]}, {"states", g["states"]}});
  std::sort(groups.begin(), groups.end());
  json summary = r["summary"];
  summary.erase("models");
  json models = json::array();
  for (const json& m : r["summary"]["models"])
    models.push_back({{"model", m["model"]}, {"distinct", m["distinct"]}, {"checked", m["checked"]}});
  return {{"verdict", r["verdict"]}, {"verdicts", r["verdicts"]}, {"summary", summary}, {"models", models},
          {"groups", groups}, {"violations", r["violations"].size()}};
}

void record_journal(const TempDir& t) {
  std::filesystem::create_directories(t / "work");
  const RunResult r = record(t / "work", t / "j.trace",
                             {workload("journal_writer"), "--variant", "acked", "--format", "u32le+crc32c", "--out",
                              "data.log", "--entries", "4", "--no-dir-fsync"});
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.describe());
}

}  // namespace

BOOST_AUTO_TEST_CASE(three_shards_merged_give_the_unsharded_verdicts_counts_and_groups) {
  TempDir t;
  record_journal(t);
  int code = 0;
  const json whole = check(t, "whole.json", {}, code);
  BOOST_TEST_REQUIRE(whole["verdict"] == "violation");  // the unsynced directory entry loses acked entries
  std::vector<std::string> merge = {"merge"};
  for (int k = 1; k <= 3; ++k) {
    const std::string name = "shard" + std::to_string(k) + ".json";
    const json shard = check(t, name, {"--shard", std::to_string(k) + "/3"}, code);
    BOOST_TEST(shard["shard"] == std::to_string(k) + "/3");
    merge.push_back(t / name);
  }
  merge.insert(merge.end(), {"--report-json", t / "merged.json", "--junit", t / "merged.xml", "--html",
                             t / "merged.html", "--base", t / "work"});
  const RunResult m = crashfs_cmd(t / "run", merge);
  BOOST_TEST(m.exit_code == 1, m.describe());  // the merged verdict: a violation
  const json merged = json::parse(read_file(t / "merged.json"));
  BOOST_TEST(verdict_view(merged).dump(1) == verdict_view(whole).dump(1));
  BOOST_TEST(merged["merged_shards"].size() == 3u);
  BOOST_TEST(read_file(t / "merged.xml").find("<testsuites") != std::string::npos);
  BOOST_TEST(read_file(t / "merged.html").find("<html") != std::string::npos);
  // Each recorded fsync has one verdict, needed or not, as unsharded.
  BOOST_TEST(merged["needed_fsyncs"].size() + merged["unneeded_fsyncs"].size() ==
             whole["needed_fsyncs"].size() + whole["unneeded_fsyncs"].size());
}

BOOST_AUTO_TEST_CASE(merge_refuses_different_options_a_missing_shard_and_a_shard_given_twice) {
  TempDir t;
  record_journal(t);
  int code = 0;
  check(t, "s1.json", {"--shard", "1/2"}, code);
  check(t, "s2.json", {"--shard", "2/2"}, code);
  check(t, "s2-seed.json", {"--shard", "2/2", "--seed", "7"}, code);
  const RunResult seed = crashfs_cmd(t / "run", {"merge", t / "s1.json", t / "s2-seed.json", "--report-json", t / "m.json"});
  BOOST_TEST(seed.exit_code == 2, seed.describe());
  BOOST_TEST(seed.err.find("seed") != std::string::npos, seed.err);
  const RunResult missing = crashfs_cmd(t / "run", {"merge", t / "s1.json", "--report-json", t / "m.json"});
  BOOST_TEST(missing.exit_code == 2, missing.describe());
  BOOST_TEST(missing.err.find("2/2 missing") != std::string::npos, missing.err);
  const RunResult twice = crashfs_cmd(t / "run", {"merge", t / "s1.json", t / "s1.json", "--report-json", t / "m.json"});
  BOOST_TEST(twice.exit_code == 2, twice.describe());
  BOOST_TEST(twice.err.find("twice") != std::string::npos, twice.err);
  // Another trace: same options, different digest.
  TempDir other;
  record_journal(other);
  check(other, "s2.json", {"--shard", "2/2"}, code);
  const RunResult trace = crashfs_cmd(t / "run", {"merge", t / "s1.json", other / "s2.json", "--report-json", t / "m.json"});
  BOOST_TEST(trace.exit_code == 2, trace.describe());
  BOOST_TEST(trace.err.find("different traces") != std::string::npos, trace.err);
}
