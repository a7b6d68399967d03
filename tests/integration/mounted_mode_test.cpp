// Mounted mode: `crashfs mount` serves a directory in the background for
// any number of processes, `mark` labels the trace from outside, `status`
// reports, `unmount` ends it (also after a kill -9 of the daemon).  The
// verdicts come from `crashfs check` on the trace, compared with what the
// steps did: which entries were synced, which were only marked.
#include <sys/xattr.h>

#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/integration/mounted.h"

using namespace crashfs::test;

namespace {

// One step of the test suite, a process of its own: the CI example's step
// (examples/ci/journal_step.py) appends a u32le+crc32c journal entry to
// FILE and fdatasyncs it unless !sync; a new journal is first made durable.
std::vector<std::string> append_entry(const std::string& file, const std::string& payload, bool sync) {
  std::vector<std::string> argv = {"python3", std::string(CRASHFS_SOURCE_DIR) + "/examples/ci/journal_step.py", file,
                                   payload};
  if (!sync) argv.push_back("--no-sync");
  return argv;
}

nlohmann::json check_report(const TempDir& t, const std::string& trace, const std::string& report) {
  const RunResult r = crashfs_cmd(t / "run", {"check", trace, "--checker", "journal:u32le+crc32c@journal.log", "--model",
                                          "posix", "--ack", "^step [0-9]+ done$", "--no-explain", "--report-json",
                                          report, "--base", t / "work"});
  BOOST_TEST_REQUIRE((r.exit_code == 0 || r.exit_code == 1), r.describe());
  return nlohmann::json::parse(read_file(report));
}

std::set<std::string> grades(const nlohmann::json& report) {
  std::set<std::string> out;
  for (const auto& v : report["violations"]) out.insert(v["grade"].get<std::string>());
  return out;
}

// mount; three steps, each a separate process, `crashfs mark` after each;
// unmount.  `last_synced`: whether the third step fdatasyncs its entry.
std::string record_three_steps(const TempDir& t, bool last_synced) {
  std::filesystem::create_directories(t / "work");
  const std::string trace = t / (last_synced ? "synced.trace" : "unsynced.trace");
  std::filesystem::remove_all(t / "work");
  std::filesystem::create_directories(t / "work");
  Daemon mount(t / "run", t / "work", {"mount", "--trace", trace, t / "work"});
  BOOST_TEST_REQUIRE(mount.started.exit_code == 0, mount.started.describe());
  BOOST_TEST_REQUIRE(is_mounted(t / "work"));
  const std::string journal = t / "work/journal.log";
  const bool synced[3] = {true, true, last_synced};
  for (int step = 1; step <= 3; ++step) {
    const RunResult s = run(append_entry(journal, "entry " + std::to_string(step), synced[step - 1]));
    BOOST_TEST_REQUIRE(s.exit_code == 0, s.describe());
    const RunResult m = crashfs_cmd(t / "run", {"mark", t / "work", "step " + std::to_string(step) + " done"});
    BOOST_TEST_REQUIRE(m.exit_code == 0, m.describe());
  }
  const RunResult u = mount.unmount();
  BOOST_TEST_REQUIRE(u.exit_code == 0, u.describe());
  BOOST_TEST(!is_mounted(t / "work"));
  return trace;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_marked_but_unsynced_entry_is_lost_acked_under_posix_and_clean_once_synced) {
  TempDir t;
  const std::string unsynced = record_three_steps(t, false);
  // The marks are in the trace, in order with the steps' operations.
  const RunResult dump = crashfs_cmd(t / "run", {"dump", unsynced});
  BOOST_TEST_REQUIRE(dump.exit_code == 0, dump.describe());
  const auto m1 = dump.out.find("step 1 done"), m3 = dump.out.find("step 3 done");
  BOOST_TEST_REQUIRE(m1 != std::string::npos, dump.out);
  BOOST_TEST_REQUIRE(m3 != std::string::npos, dump.out);
  // The third step's write lies between the second and the third mark.
  const auto third_write = dump.out.rfind("write journal.log");
  BOOST_TEST_REQUIRE(third_write != std::string::npos, dump.out);
  BOOST_TEST(third_write < m3);
  BOOST_TEST(third_write > dump.out.find("step 2 done"));

  const nlohmann::json bad = check_report(t, unsynced, t / "unsynced.json");
  BOOST_TEST(bad["acknowledgements"] == 3);
  BOOST_TEST(bad["verdict"] == "violation");
  BOOST_TEST(grades(bad).count("lost-acked") == 1u, bad["violations"].dump(1));

  const std::string synced = record_three_steps(t, true);
  const nlohmann::json good = check_report(t, synced, t / "synced.json");
  BOOST_TEST(good["acknowledgements"] == 3);
  BOOST_TEST(good["verdict"] == "clean", good.dump(1));
}

BOOST_AUTO_TEST_CASE(status_reports_a_live_mount_and_exits_1_without_one) {
  TempDir t;
  std::filesystem::create_directories(t / "work");
  {
    Daemon mount(t / "run", t / "work", {"mount", "--trace", t / "s.trace", t / "work"});
    BOOST_TEST_REQUIRE(mount.started.exit_code == 0, mount.started.describe());
    write_file(t / "work/a", "hello");
    const RunResult s = crashfs_cmd(t / "run", {"status", t / "work", "--json"});
    BOOST_TEST_REQUIRE(s.exit_code == 0, s.describe());
    const nlohmann::json j = nlohmann::json::parse(s.out);
    BOOST_TEST(j["pid"] == mount.pid());
    BOOST_TEST(j["trace"] == t / "s.trace");
    BOOST_TEST(j.contains("records"));
    BOOST_TEST(j["mounted"] == true);
    // A second mount on the same directory is refused while the first lives.
    const RunResult again = crashfs_cmd(t / "run", {"mount", "--trace", t / "s2.trace", t / "work"});
    BOOST_TEST(again.exit_code == 2, again.describe());
    BOOST_TEST(mount.unmount().exit_code == 0);
  }
  const RunResult s = crashfs_cmd(t / "run", {"status", t / "work"});
  BOOST_TEST(s.exit_code == 1, s.describe());
  // The trace holds the file the process wrote.
  const RunResult dump = crashfs_cmd(t / "run", {"dump", t / "s.trace"});
  BOOST_TEST(dump.exit_code == 0, dump.describe());
  BOOST_TEST(dump.out.find("write a @0 +5") != std::string::npos, dump.out);
}

BOOST_AUTO_TEST_CASE(unmount_ends_a_mount_with_files_still_open) {
  TempDir t;
  std::filesystem::create_directories(t / "work");
  Daemon mount(t / "run", t / "work", {"mount", "--trace", t / "o.trace", t / "work"});
  BOOST_TEST_REQUIRE(mount.started.exit_code == 0, mount.started.describe());
  RunOptions opt;
  opt.timeout = 60s;
  Process holder({"sh", "-c", "exec 3>" + (t / "work/held") + "; echo x >&3; exec sleep 600"}, opt);
  // Wait until the holder's write is in (the file exists through the mount).
  for (int i = 0; i < 2000 && !std::filesystem::exists(t / "work/held"); ++i) std::this_thread::sleep_for(5ms);
  const RunResult u = mount.unmount();
  BOOST_TEST(u.exit_code == 0, u.describe());
  BOOST_TEST(!is_mounted(t / "work"));
  holder.signal(SIGKILL);
  holder.wait();
  BOOST_TEST(crashfs_cmd(t / "run", {"dump", t / "o.trace"}).exit_code == 0);
}

BOOST_AUTO_TEST_CASE(kill_9_of_the_daemon_then_unmount_leaves_no_mount_and_a_readable_trace) {
  TempDir t;
  std::filesystem::create_directories(t / "work");
  Daemon mount(t / "run", t / "work", {"mount", "--trace", t / "k.trace", t / "work"});
  BOOST_TEST_REQUIRE(mount.started.exit_code == 0, mount.started.describe());
  for (int i = 0; i < 20; ++i) write_file(t / ("work/f" + std::to_string(i)), std::string(1000, 'a' + i % 26));
  // Wait until the daemon's writer has put records on disk (status counts them).
  for (int i = 0; i < 1000; ++i) {
    const RunResult s = crashfs_cmd(t / "run", {"status", t / "work", "--json"});
    if (s.exit_code == 0 && nlohmann::json::parse(s.out)["records"].get<std::uint64_t>() > 20) break;
    std::this_thread::sleep_for(10ms);
  }
  BOOST_TEST_REQUIRE(::kill(mount.pid(), SIGKILL) == 0);
  for (int i = 0; i < 2000 && ::kill(mount.pid(), 0) == 0; ++i) std::this_thread::sleep_for(5ms);
  // Dead: status says so (exit 1), unmount clears it, a new mount would work.
  const RunResult s = crashfs_cmd(t / "run", {"status", t / "work"});
  BOOST_TEST(s.exit_code == 1, s.describe());
  const RunResult u = mount.unmount();
  BOOST_TEST(u.exit_code == 0, u.describe());
  BOOST_TEST(!is_mounted(t / "work"));
  const RunResult dump = crashfs_cmd(t / "run", {"dump", t / "k.trace"});
  BOOST_TEST(dump.exit_code == 0, dump.describe());
  BOOST_TEST(dump.out.find("session") != std::string::npos, dump.out);
  // The directory is usable again: mount and unmount it.
  Daemon again(t / "run", t / "work", {"mount", "--trace", t / "k2.trace", t / "work"});
  BOOST_TEST(again.started.exit_code == 0, again.started.describe());
  BOOST_TEST(again.unmount().exit_code == 0);
}

BOOST_AUTO_TEST_CASE(mount_fails_clearly_on_a_missing_directory_and_mark_outside_a_mount) {
  TempDir t;
  const RunResult m = crashfs_cmd(t / "run", {"mount", "--trace", t / "x.trace", t / "nope"});
  BOOST_TEST(m.exit_code == 2, m.describe());
  BOOST_TEST(m.err.find("does not exist") != std::string::npos, m.err);
  const RunResult k = crashfs_cmd(t / "run", {"mark", t.path(), "x"});
  BOOST_TEST(k.exit_code == 2, k.describe());
  BOOST_TEST(k.err.find("not a crashfs mount") != std::string::npos, k.err);
}

namespace {

// The seq of the mark LABEL in `dump` output ("#8 crashfs[..] mark \"LABEL\"").
std::uint64_t mark_seq(const std::string& dump, const std::string& label) {
  std::smatch m;
  const std::regex line("#([0-9]+) [^\n]* mark \"" + label + "\"");
  BOOST_TEST_REQUIRE(std::regex_search(dump, m, line), dump);
  return std::stoull(m[1].str());
}

}  // namespace

BOOST_AUTO_TEST_CASE(from_mark_and_to_mark_limit_the_crash_points_to_those_between_the_marks) {
  TempDir t;
  const std::string trace = record_three_steps(t, false);
  const RunResult dump = crashfs_cmd(t / "run", {"dump", trace});
  BOOST_TEST_REQUIRE(dump.exit_code == 0, dump.describe());
  const std::uint64_t m1 = mark_seq(dump.out, "step 1 done"), m2 = mark_seq(dump.out, "step 2 done");
  const RunResult list = crashfs_cmd(t / "run", {"explore", trace, "--list", "--json", "--from-mark", "step 1 done",
                                                 "--to-mark", "step 2 done"});
  BOOST_TEST_REQUIRE(list.exit_code == 0, list.describe());
  std::istringstream lines(list.out);
  std::string line;
  int states = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("crash_point")) continue;
    const std::uint64_t point = std::stoull(j["crash_point"].get<std::string>());
    BOOST_TEST(point > m1, j.dump());
    BOOST_TEST(point < m2, j.dump());
    ++states;
  }
  BOOST_TEST(states > 0);
  // The unsynced third entry comes after "step 2 done": checking up to that
  // mark finds nothing, the whole trace finds it lost.
  const RunResult upto = crashfs_cmd(t / "run", {"check", trace, "--checker", "journal:u32le+crc32c@journal.log",
                                                 "--model", "posix", "--ack", "^step [0-9]+ done$", "--no-explain",
                                                 "--to-mark", "step 2 done", "--base", t / "work"});
  BOOST_TEST(upto.exit_code == 0, upto.describe());
  const RunResult missing = crashfs_cmd(t / "run", {"check", trace, "--checker", "journal:u32le+crc32c@journal.log",
                                                    "--from-mark", "no such mark", "--base", t / "work"});
  BOOST_TEST(missing.exit_code == 2, missing.describe());
  BOOST_TEST(missing.err.find("step 1 done") != std::string::npos, missing.err);
}
