// Honest verdicts on small writers: what the journal checker must see
// under process kill and power loss, and the exit codes of runs that could
// not check what they claim to (README, exit codes).
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "tests/integration/verdict_run.h"

using namespace crashfs::test;

namespace {

std::vector<std::string> journal_writer(const std::string& variant, const std::string& format,
                                        std::vector<std::string> extra) {
  std::vector<std::string> cmd = {workload("journal_writer"), "--variant", variant, "--format", format, "--out",
                                  "data.log"};
  cmd.insert(cmd.end(), extra.begin(), extra.end());
  return cmd;
}

}  // namespace

// Killed between the payload and the length patch, the file holds a
// zero-length entry: u32le's reader accepts it (an empty entry), but the
// writer never completed an empty entry there.
BOOST_AUTO_TEST_CASE(a_zero_placeholder_read_as_an_empty_entry_is_a_violation_under_process_kill) {
  TempDir dir;
  const VerdictRun v = crashfs_verdicts(dir, {"--checker", "journal:u32le@data.log", "--model", "process-kill", "--no-explain"},
                                        journal_writer("placeholder", "u32le", {"--entries", "3"}));
  BOOST_TEST(v.verdict("process-kill") == "violation");
  bool named = false;
  for (const auto& x : v.report["violations"])
    if (x["reason"].get<std::string>().find("not the entry the writer completed") != std::string::npos) named = true;
  BOOST_TEST(named, v.report["violations"].dump(1).substr(0, 2000));
}

// Each entry fdatasync'd and acknowledged, but the new file's directory
// entry never synced: a power loss may take the whole file with every
// acknowledged entry.  A process kill cannot.  (A checksummed format, so
// that torn entries are detected and only the lost file is at issue.)
BOOST_AUTO_TEST_CASE(a_new_journal_without_a_directory_fsync_loses_acknowledged_entries_on_power_loss) {
  TempDir dir;
  const VerdictRun v = crashfs_verdicts(
      dir, {"--checker", "journal:u32le+crc32c@data.log", "--model", "process-kill", "--model", "posix", "--no-explain"},
      journal_writer("acked", "u32le+crc32c", {"--entries", "3", "--no-dir-fsync"}));
  BOOST_TEST(v.verdict("process-kill") == "clean");
  BOOST_TEST(v.verdict("posix") == "violation");
  BOOST_TEST(v.grades("posix") == std::set<std::string>{"lost-acked"});
  // With the directory fsync (the acked variant's default) it is clean.
  TempDir dir2;
  const VerdictRun synced = crashfs_verdicts(
      dir2, {"--checker", "journal:u32le+crc32c@data.log", "--model", "posix", "--no-explain"},
      journal_writer("acked", "u32le+crc32c", {"--entries", "3"}));
  BOOST_TEST(synced.verdict("posix") == "clean", synced.report["violations"].dump(1).substr(0, 2000));
}

BOOST_AUTO_TEST_CASE(a_workload_that_cannot_be_started_is_a_usage_error_naming_it) {
  TempDir dir;
  std::filesystem::create_directories(dir / "work");
  const RunResult r = run({CRASHFS_BINARY, "run", "--dir", dir / "work", "--trace", dir / "t.trace", "--checker", "pyc",
                           "--", "no-such-program-xyz", "arg"});
  BOOST_TEST(r.exit_code == 2, r.describe());
  BOOST_TEST(r.err.find("no-such-program-xyz") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("command not found") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(a_workload_that_fails_after_its_work_is_checked_and_the_report_says_so) {
  TempDir dir;
  const VerdictRun v = crashfs_verdicts(dir, {"--checker", "atomic@a.conf", "--model", "process-kill", "--no-explain"},
                                        {"sh", "-c", "echo x > a.tmp && mv a.tmp a.conf; exit 3"});
  BOOST_TEST(v.run.exit_code == 0, v.run.describe());
  BOOST_TEST(v.report["command_exit"] == 3);
  BOOST_TEST(v.run.out.find("the workload exited 3") != std::string::npos, v.run.out);
}

BOOST_AUTO_TEST_CASE(a_run_that_changed_nothing_is_inconclusive_not_clean) {
  TempDir dir;
  const VerdictRun v = crashfs_verdicts(dir, {"--checker", "pyc", "--no-explain"}, {"true"}, {4});
  BOOST_TEST(v.report["verdict"] == "inconclusive");
  BOOST_TEST(v.report["reason"].get<std::string>().find("no crash state was checked") != std::string::npos,
             v.report["reason"]);
  BOOST_TEST(v.run.out.find("verdict: INCONCLUSIVE") != std::string::npos, v.run.out);
}

BOOST_AUTO_TEST_CASE(a_glob_that_matched_no_file_is_inconclusive_and_names_the_files_written) {
  TempDir dir;
  const VerdictRun v = crashfs_verdicts(dir, {"--checker", "journal:u32le@*.log", "--no-explain"},
                                        {"sh", "-c", "echo x > data.jnl; echo y > other.txt"}, {4});
  BOOST_TEST(v.report["verdict"] == "inconclusive");
  const std::string reason = v.report["reason"];
  BOOST_TEST(reason.find("files matching *.log") != std::string::npos, reason);
  BOOST_TEST(reason.find("data.jnl") != std::string::npos, reason);
  BOOST_TEST(reason.find("other.txt") != std::string::npos, reason);
  for (const auto& cell : v.report["verdicts"]) BOOST_TEST(cell["verdict"] == "inconclusive");
}

BOOST_AUTO_TEST_CASE(a_model_the_cap_cut_down_to_whole_operations_is_inconclusive) {
  // a.conf exists before recording and is only overwritten in place: no
  // metadata operation for ext4-ordered to cut before, so a capped run
  // spends nothing on single cuts, and the first state of a point is
  // "every operation whole".  One state leaves nothing a power loss could
  // have lost (the overwrite's data) checked.  (The checker passes every
  // state: only the cap decides.)
  TempDir dir;
  std::filesystem::create_directories(dir / "work");
  write_file(dir / "work/a.conf", "one\n");
  const VerdictRun v = crashfs_verdicts(
      dir, {"--checker", "cmd:true", "--model", "ext4-ordered", "--max-states", "1", "--no-explain"},
      {"sh", "-c", "printf 'two\\n' | dd of=a.conf conv=notrunc status=none"}, {4});
  BOOST_TEST(v.report["verdict"] == "inconclusive");
  BOOST_TEST(v.report["reason"].get<std::string>().find("raise --max-states") != std::string::npos, v.report["reason"]);
  BOOST_TEST(v.report["summary"]["models"][0]["generated"] == 1);
  BOOST_TEST(v.report["summary"]["models"][0]["single_deviations"] == 0);
}

// A capped ext4-ordered run spends its budget first on crash cuts before
// unsynced metadata operations (half of it): one state is a real power-loss
// state, so
// the run is judged, not inconclusive (what it left out, the summary says).
BOOST_AUTO_TEST_CASE(a_capped_ext4_run_checks_a_crash_cut_first) {
  TempDir dir;
  const VerdictRun v = crashfs_verdicts(
      dir, {"--checker", "atomic@a.conf", "--model", "ext4-ordered", "--max-states", "2", "--no-explain"},
      {"sh", "-c", "printf 'one\\n' > a.conf.tmp; mv a.conf.tmp a.conf"}, {0, 1});
  BOOST_TEST(v.report["verdict"] != "inconclusive");
  BOOST_TEST(v.report["summary"]["models"][0]["single_deviations"] == 1);
}

// An in-place update made by one write(2) of the whole new content: once
// the write returns, every reader sees the new bytes (POSIX write(2): "any
// successful read() from each byte position in the file that was modified
// by that write shall return the data specified by the write()"), and a
// process kill leaves the page cache as it is, so a kill before the close
// leaves the new version whole: clean under process-kill.  Under posix the
// write may be lost or torn (an in-place update is not atomic on a power
// loss): a violation.
BOOST_AUTO_TEST_CASE(an_in_place_update_in_one_write_survives_a_process_kill_whole) {
  TempDir dir;
  std::filesystem::create_directories(dir / "work");
  write_file(dir / "work/a.conf", std::string(6000, 'o'));
  const VerdictRun v = crashfs_verdicts(
      dir, {"--checker", "atomic@a.conf", "--model", "process-kill", "--model", "posix", "--no-explain"},
      {"sh", "-c", "head -c 6000 /dev/zero | tr '\\0' n | dd of=a.conf conv=notrunc iflag=fullblock bs=6000 count=1 status=none"},
      {1});
  for (const auto& cell : v.report["verdicts"]) {
    if (cell["model"] == "process-kill") BOOST_TEST(cell["verdict"] == "clean", cell.dump());
    if (cell["model"] == "posix") BOOST_TEST(cell["verdict"] == "violation", cell.dump());
  }
}

BOOST_AUTO_TEST_CASE(a_command_checker_gets_the_replayable_id_of_each_state) {
  TempDir dir;
  const std::string ids = dir / "ids.txt";
  const VerdictRun v = crashfs_verdicts(
      dir, {"--checker", "cmd:echo \"$CRASHFS_STATE_ID\" >> " + ids, "--model", "process-kill", "--model", "posix",
            "--no-explain"},
      {"sh", "-c", "echo one > a.tmp && mv a.tmp a.conf"});
  const std::string text = read_file(ids);
  BOOST_TEST(text.find("process-kill@") != std::string::npos, text);
  BOOST_TEST(text.find("posix@") != std::string::npos, text);
  // Every id names a state crashfs replay rebuilds.
  std::istringstream lines(text);
  std::string id;
  int replayed = 0;
  while (std::getline(lines, id) && replayed < 5) {
    if (id == "initial") continue;
    const std::string out = dir / ("replay-" + std::to_string(replayed++));
    const RunResult r = run({CRASHFS_BINARY, "replay", dir / "run.trace", "--state", id, "--out", out});
    BOOST_TEST(r.exit_code == 0, id << ": " << r.describe());
  }
  BOOST_TEST(replayed > 0);
}
