// The CI recipes (README "CI", examples/ci, examples/ctest) run here as a
// CI job would run them: scripts/ci/record-example.sh in mounted mode,
// check-shard.sh for the unsharded run and shards 1/3..3/3, merge-shards.sh;
// the CTest example through cmake and ctest.  The reference for each
// verdict is what the example's steps did (every entry synced: clean; the
// last one acknowledged without fdatasync: lost-acked), and the merged
// report must say what the unsharded one says.
#include <regex>

#include <nlohmann/json.hpp>

#include "tests/integration/mounted.h"

using namespace crashfs::test;
using nlohmann::json;

namespace {

std::string script(const std::string& name) { return std::string(CRASHFS_SOURCE_DIR) + "/scripts/ci/" + name; }

RunResult ci(const TempDir& t, std::vector<std::string> argv, std::vector<std::pair<std::string, std::string>> env = {}) {
  RunOptions opt = crashfs_env(t / "run", 300s);
  opt.env.emplace_back("CRASHFS", crashfs_binary());
  opt.env.insert(opt.env.end(), env.begin(), env.end());
  return run(argv, opt);
}

// Records the example, checks it unsharded and in three shards, merges.
// Returns the unsharded and merged reports; `expected` is the exit code of
// every check that sees the violation and of the merge.
std::pair<json, json> full_pipeline(const TempDir& t, bool bug, int expected) {
  const std::string out = t / "out";
  MountGuard guard(out + "/base");
  const RunResult rec = ci(t, {script("record-example.sh"), out}, {{"EXAMPLE_BUG", bug ? "1" : "0"}});
  BOOST_TEST_REQUIRE(rec.exit_code == 0, rec.describe());
  BOOST_TEST(!is_mounted(out + "/base"));
  const RunResult whole = ci(t, {script("check-shard.sh"), out});
  BOOST_TEST(whole.exit_code == expected, whole.describe());
  for (int k = 1; k <= 3; ++k) {
    const RunResult shard = ci(t, {script("check-shard.sh"), out, std::to_string(k) + "/3"});
    BOOST_TEST((shard.exit_code == 0 || shard.exit_code == expected), shard.describe());
  }
  const RunResult merged = ci(t, {script("merge-shards.sh"), out});
  BOOST_TEST(merged.exit_code == expected, merged.describe());
  return {json::parse(read_file(out + "/reports/unsharded.json")), json::parse(read_file(out + "/merged.json"))};
}

}  // namespace

BOOST_AUTO_TEST_CASE(require_fuse_passes_here_and_fails_loudly_without_fuse) {
  TempDir t;
  const RunResult ok = ci(t, {script("require-fuse.sh")});
  BOOST_TEST(ok.exit_code == 0, ok.describe());
  const RunResult missing = ci(t, {script("require-fuse.sh")}, {{"CRASHFS_FUSE_DEVICE", t / "no-such-device"}});
  BOOST_TEST(missing.exit_code == 2, missing.describe());
  BOOST_TEST(missing.err.find("FUSE is not available") != std::string::npos, missing.err);
  BOOST_TEST(missing.err.find("--device /dev/fuse --cap-add SYS_ADMIN") != std::string::npos, missing.err);
  BOOST_TEST(missing.err.find("not a skip") != std::string::npos, missing.err);
}

BOOST_AUTO_TEST_CASE(the_sharded_recipe_of_a_correct_suite_is_clean_and_merges_to_the_unsharded_verdicts) {
  TempDir t;
  const auto [whole, merged] = full_pipeline(t, false, 0);
  BOOST_TEST(whole["verdict"] == "clean");
  BOOST_TEST(whole["acknowledgements"] == 3);  // the three marks
  BOOST_TEST(merged["verdict"] == whole["verdict"]);
  BOOST_TEST(merged["verdicts"].dump() == whole["verdicts"].dump());
}

BOOST_AUTO_TEST_CASE(the_sharded_recipe_fails_on_an_acknowledged_entry_that_was_not_synced) {
  TempDir t;
  const auto [whole, merged] = full_pipeline(t, true, 1);
  BOOST_TEST(whole["verdict"] == "violation");
  BOOST_TEST(merged["verdict"] == "violation");
  BOOST_TEST(merged["verdicts"].dump() == whole["verdicts"].dump());
  bool lost_acked = false;
  for (const auto& v : merged["violations"]) lost_acked = lost_acked || v["grade"] == "lost-acked";
  BOOST_TEST(lost_acked);
}

BOOST_AUTO_TEST_CASE(the_ctest_example_passes_a_correct_program_and_fails_a_buggy_one) {
  for (const bool bug : {false, true}) {
    BOOST_TEST_CONTEXT((bug ? "with --no-sync" : "correct")) {
      TempDir t;
      MountGuard guard(t / "build/work");
      std::vector<std::string> configure = {"cmake", "-S", std::string(CRASHFS_SOURCE_DIR) + "/examples/ctest",
                                            "-B", t / "build", "-DCRASHFS=" + crashfs_binary()};
      if (bug) configure.push_back("-DEXAMPLE_STEP_FLAGS=--no-sync");
      const RunResult c = ci(t, configure);
      BOOST_TEST_REQUIRE(c.exit_code == 0, c.describe());
      const RunResult r = ci(t, {"ctest", "--test-dir", t / "build", "--output-on-failure"});
      BOOST_TEST(r.exit_code == (bug ? 8 : 0), r.describe());
      BOOST_TEST(r.out.find(bug ? "tests failed out of" : "100% tests passed") != std::string::npos, r.out);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_script_the_ci_files_name_exists_and_is_executable) {
  for (const char* file : {"examples/ci/github-actions.yml", "examples/ci/gitlab-ci.yml"}) {
    const std::string text = read_file(std::string(CRASHFS_SOURCE_DIR) + "/" + file);
    const std::regex named("scripts/ci/[a-z-]+\\.sh");
    int found = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), named); it != std::sregex_iterator(); ++it) {
      const std::string path = std::string(CRASHFS_SOURCE_DIR) + "/" + it->str();
      BOOST_TEST(::access(path.c_str(), X_OK) == 0, file << " names " << it->str());
      ++found;
    }
    BOOST_TEST(found >= 3, file);
    BOOST_TEST(text.find("/dev/fuse") != std::string::npos, file);
  }
}
