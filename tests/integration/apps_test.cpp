// The application suite (workloads/apps/NAME/) on its small configurations:
// each real program, recorded and checked by crashfs through the app's own
// check.sh, must get the verdict per configuration x model that its
// documentation leads to (workloads/apps/NAME/expected, with the quoted
// reasons; judge.py compares).  scripts/apps.sh runs the same at full size.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "tests/integration/harness.h"

using namespace crashfs::test;

namespace {

const std::string kApps = std::string(CRASHFS_SOURCE_DIR) + "/workloads/apps";

// The configurations of an app, in its expected file's order.
std::vector<std::string> configs_of(const std::string& app) {
  std::vector<std::string> out;
  std::ifstream in(kApps + "/" + app + "/expected");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string config, model, verdict;
    if (line.empty() || line[0] == '#' || !(fields >> config >> model >> verdict)) continue;
    if (std::find(out.begin(), out.end(), config) == out.end()) out.push_back(config);
  }
  return out;
}

// Runs every configuration of `app` small and checks each against its
// expectation.
void check_app(const std::string& app) {
  const std::vector<std::string> configs = configs_of(app);
  BOOST_TEST_REQUIRE(!configs.empty(), app << "/expected lists no configuration");
  for (const std::string& config : configs) {
    BOOST_TEST_CONTEXT(app << " " << config) {
      TempDir dir;
      RunOptions opt;
      opt.env = {{"CRASHFS", CRASHFS_BINARY}, {"CRASHFS_WORKLOAD_DIR", CRASHFS_WORKLOAD_DIR}};
      opt.timeout = std::chrono::seconds(300);
      const RunResult r = run({"bash", kApps + "/" + app + "/check.sh", config, "small", dir / "out"}, opt);
      BOOST_TEST_REQUIRE((r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 4), r.describe());
      const RunResult judged =
          run({"python3", kApps + "/judge.py", dir / "out/report.json", kApps + "/" + app, config});
      BOOST_TEST(judged.exit_code == 0, judged.describe());
      BOOST_TEST_MESSAGE(judged.out);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(sqlite_delete_full_loses_an_acknowledged_commit_and_extra_and_wal_keep_every_one) {
  check_app("sqlite");
}
BOOST_AUTO_TEST_CASE(git_keeps_a_sound_repository_only_with_core_fsync_all_and_loses_the_last_commit_without_dir_syncs) {
  check_app("git");
}
BOOST_AUTO_TEST_CASE(leveldb_loses_no_synced_put_and_a_lost_current_rename_breaks_the_database) { check_app("leveldb"); }
BOOST_AUTO_TEST_CASE(lmdb_is_durable_by_default_and_loses_acknowledged_commits_with_nosync) { check_app("lmdb"); }
BOOST_AUTO_TEST_CASE(ninja_resumes_an_interrupted_build_after_a_kill_and_trusts_lost_objects_after_power_loss) {
  check_app("ninja");
}
BOOST_AUTO_TEST_CASE(python_byte_code_survives_a_kill_not_a_power_loss_and_pip_target_is_not_atomic) {
  check_app("python");
}
BOOST_AUTO_TEST_CASE(redis_loses_acknowledged_writes_on_power_loss_unless_appendfsync_always) { check_app("redis"); }
