// git and LevelDB under crashfs, each read back by its own tools (dump:
// checkers): the verdicts must agree with each program's documentation.
#include <boost/test/unit_test.hpp>

#include "tests/integration/verdict_run.h"

using namespace crashfs::test;

// git 2.39's default core.fsync hardens pack files and their metadata only
// (FSYNC_COMPONENTS_DEFAULT: objects and derived metadata without loose
// objects; refs and the index are not synced), so after a power loss a ref
// may name a loose object whose bytes never reached the disk: `git fsck`
// fails.  A process kill leaves every write in the page cache: git never
// shows a broken repository then.  The repository exists before recording.
BOOST_AUTO_TEST_CASE(git_is_clean_on_process_kill_and_loses_loose_objects_on_power_loss) {
  TempDir dir;
  std::filesystem::create_directories(dir / "work");
  const RunResult init = run({"sh", "-c",
                              "git init -q && git config user.email t@example.com && git config user.name t && "
                              "echo base > base.txt && git add . && git commit -qm base"},
                             in_dir(dir / "work"));
  BOOST_TEST_REQUIRE(init.exit_code == 0, init.describe());
  const std::string workload =
      "set -e\n"
      "for i in $(seq 1 50); do echo \"file $i\" > f$i.txt; done\n"
      "git add . && git commit -qm 'add 50'\n"
      "for i in $(seq 1 10); do echo \"changed $i\" >> f$i.txt; done\n"
      "git commit -qam 'change 10'\n"
      "git gc -q\n";
  // The view: what git log shows of a repository git fsck accepts.  The
  // power-loss run is capped (the first states spent are single lost and
  // torn operations, the ones that matter).
  const VerdictRun v = crashfs_verdicts(
      dir,
      {"--checker", "dump:git fsck --no-dangling >/dev/null 2>&1 && git log --format='%H %T %s'", "--model",
       "process-kill", "--model", "posix", "--max-states", "1500", "--no-explain"},
      {"sh", "-c", workload});
  BOOST_TEST(v.verdict("process-kill") == "clean", v.report["violations"].dump(1).substr(0, 2000));
  BOOST_TEST(v.verdict("posix") == "violation");
  BOOST_TEST(v.grades("posix").count("command-failed"));
}

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
