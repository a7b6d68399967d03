// LevelDB under crashfs, read back by the real library (a dump: checker):
// a bug the cap on states must not hide.  git and the verdicts of every
// application are the application suite's (workloads/apps,
// tests/integration/apps_test.cpp).
#include <boost/test/unit_test.hpp>

#include "tests/integration/verdict_run.h"

using namespace crashfs::test;

// LevelDB: "if the machine crashes, some recent writes may be lost" for
// writes without sync; a write with sync = true returns once it is on disk.
// A process kill loses nothing.  Under power loss the state where the
// rename of a new CURRENT is lost while the unlink of the MANIFEST the old
// CURRENT names persisted leaves a database LevelDB refuses to open; with
// --max-states at 3x the crash points it must be found (single deviations
// come first).
BOOST_AUTO_TEST_CASE(leveldb_is_clean_on_process_kill_and_a_lost_current_rename_is_found_under_a_cap) {
  TempDir dir;
  const std::string tool = workload("leveldb_tool");
  const VerdictRun pk = crashfs_verdicts(dir,
                                         {"--checker", "dump:" + tool + " dump db", "--ack", "^ack ", "--model",
                                          "process-kill", "--no-explain"},
                                         {tool, "put", "db", "--unsynced", "2000", "--synced", "20"});
  BOOST_TEST(pk.verdict("process-kill") == "clean", pk.report["violations"].dump(1).substr(0, 2000));
  BOOST_TEST(pk.report["acknowledgements"] == 20);
  const std::uint64_t points = pk.report["summary"]["models"][0]["crash_points"];
  const VerdictRun posix = crashfs_verdicts(
      dir,
      {"--checker", "dump:" + tool + " dump db", "--ack", "^ack ", "--model", "posix", "--max-states",
       std::to_string(3 * points), "--no-explain", "--keep", "100000"},
      {"sh", "-c", "rm -rf db && exec " + tool + " put db --unsynced 2000 --synced 20"});
  BOOST_TEST(posix.report["summary"]["models"][0]["generated"].get<std::uint64_t>() <= 3 * points);
  bool found = false;
  for (const auto& v : posix.report["violations"]) {
    const std::string lost = v["lost"];
    if (lost.find("rename db/") != std::string::npos && lost.find("-> db/CURRENT") != std::string::npos &&
        v["reason"].get<std::string>().find("CURRENT points to a non-existent file") != std::string::npos)
      found = true;
  }
  BOOST_TEST(found, "no state with the rename onto CURRENT lost and LevelDB refusing the database");
}
