// `crashfs record` and `crashfs unmount` as processes: exit statuses,
// signals, kills, bad input.  Whatever happens, no mount is left behind and
// the trace stays readable.
#include <signal.h>
#include <sys/stat.h>

#include "tests/integration/harness.h"

using namespace crashfs;
using namespace crashfs::test;

namespace {

// Polls `pred` every 10 ms; false after `timeout`.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::vector<std::string> record_argv(const std::string& dir, const std::string& trace,
                                     const std::vector<std::string>& cmd) {
  std::vector<std::string> argv = {crashfs_binary(), "record", "--dir", dir, "--trace", trace, "--"};
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  return argv;
}

RunResult dump(const std::string& trace) { return run({crashfs_binary(), "dump", trace}); }

// Starts a recording of `cmd` and waits until the workload wrote `ready`
// (a file it creates once it runs on the mount).
std::unique_ptr<Process> start_recording(const TempDir& dir, const std::string& trace,
                                         const std::vector<std::string>& cmd, const std::string& ready) {
  RunOptions opt;
  opt.timeout = 30s;  // shorter than the workloads' sleep 60: a missed signal shows as a timeout
  auto p = std::make_unique<Process>(record_argv(dir.path(), trace, cmd), opt);
  const bool up = eventually([&] { return is_mounted(dir.path()) && access((dir / ready).c_str(), F_OK) == 0; });
  BOOST_REQUIRE_MESSAGE(up, "the recording did not start: " << p->stderr_so_far());
  return p;
}

void check_trace_readable(const std::string& trace) {
  const RunResult d = dump(trace);
  BOOST_TEST(d.exit_code == 0, "crashfs dump failed: " << d.describe());
  const Trace t = read_trace(trace);
  BOOST_TEST(t.status.is_ok(), t.status.message());
  BOOST_TEST(t.records.size() >= 2u);
}

}  // namespace

BOOST_AUTO_TEST_CASE(exit_status_of_the_command_is_crashfs_exit_status) {
  TempDir dir;
  const std::string trace = dir / "t.trace";
  BOOST_TEST(record(dir.path(), trace, {"sh", "-c", "exit 7"}).exit_code == 7);
  BOOST_TEST(record(dir.path(), trace, {"true"}).exit_code == 0);
  const RunResult r = record(dir.path(), trace, {"sh", "-c", "echo x > f; kill -SEGV $$"});
  BOOST_TEST(r.exit_code == 128 + SIGSEGV, r.describe());
  BOOST_TEST(r.err.find("records") != std::string::npos, "no summary line: " << r.describe());
  BOOST_TEST(!is_mounted(dir.path()));
  check_trace_readable(trace);
}

BOOST_AUTO_TEST_CASE(sigint_and_sigterm_are_forwarded_then_crashfs_unmounts) {
  for (const int sig : {SIGINT, SIGTERM}) {
    TempDir dir;
    MountGuard guard(dir.path());
    const std::string trace = dir / "t.trace";
    auto p = start_recording(dir, trace, {"sh", "-c", "echo up > ready; exec sleep 60"}, "ready");
    p->signal(sig);
    const RunResult r = p->wait();
    BOOST_TEST(!r.timed_out, "the signal did not stop the recording (sleep 60 ran to the harness timeout)");
    BOOST_TEST(r.exit_code == 128 + sig, "signal " << sig << ": " << r.describe());
    BOOST_TEST(wait_unmounted(dir.path()), "mount left after signal " << sig);
    check_trace_readable(trace);
  }
}

BOOST_AUTO_TEST_CASE(a_command_that_ignores_sigterm_is_killed_after_a_grace_period) {
  TempDir dir;
  MountGuard guard(dir.path());
  const std::string trace = dir / "t.trace";
  auto p = start_recording(dir, trace, {"sh", "-c", "trap '' TERM; echo up > ready; while :; do sleep 0.1; done"},
                           "ready");
  p->signal(SIGTERM);
  const RunResult r = p->wait();
  BOOST_TEST(r.exit_code == 128 + SIGKILL, r.describe());
  BOOST_TEST(wait_unmounted(dir.path()));
  check_trace_readable(trace);
}

BOOST_AUTO_TEST_CASE(kill_9_of_crashfs_leaves_no_mount_and_a_readable_trace) {
  TempDir dir;
  MountGuard guard(dir.path());
  const std::string trace = dir / "t.trace";
  // A workload busy writing, so the kill is likely to tear the record being appended.
  auto p = start_recording(dir, trace,
                           {"sh", "-c", "echo up > ready; while :; do head -c 300000 /dev/zero >> big; done"}, "ready");
  std::this_thread::sleep_for(300ms);
  p->signal(SIGKILL);
  const RunResult r = p->wait();
  BOOST_TEST(r.exit_code == 128 + SIGKILL);
  BOOST_TEST(wait_unmounted(dir.path(), 10s), "auto_unmount did not clear the mount after kill -9");
  check_trace_readable(trace);
  const Trace t = read_trace(trace);
  BOOST_TEST(!t.of_type(RecordType::kWrite).empty());
  // The workload lost its file system with crashfs: it must not linger (parent-death signal).
  BOOST_TEST(eventually([&] { return run({"pgrep", "-f", "head -c 300000"}).exit_code != 0; }, 5s),
             "the workload survived crashfs");
}

BOOST_AUTO_TEST_CASE(a_tree_bigger_than_the_descriptor_soft_limit_records_whole) {
  // crashfs holds a descriptor per node the kernel knows: started under a
  // soft limit of 256, it must raise its own limit, not fail with EMFILE.
  TempDir dir;
  const std::string trace = dir / "t.trace";
  const std::string work = dir / "work";
  std::filesystem::create_directories(work);
  const RunResult r = run({"sh", "-c", "ulimit -Sn 256 && exec \"$0\" record --dir \"$1\" --trace \"$2\" -- sh -c "
                           "'seq -f f%g 1 1500 | xargs touch && cat f* > /dev/null && ls | wc -l'",
                           crashfs_binary(), work, trace});
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.describe());
  BOOST_TEST(r.out.find("1500") != std::string::npos, r.describe());
  const Trace t = read_trace(trace);
  BOOST_TEST(t.status.is_ok());
  BOOST_TEST(t.of_type(RecordType::kCreate).size() == 1500u);
}

BOOST_AUTO_TEST_CASE(unmount_clears_a_leftover_mount_and_says_when_there_is_none) {
  TempDir dir;
  MountGuard guard(dir.path());
  const RunResult none = run({crashfs_binary(), "unmount", dir.path()});
  BOOST_TEST(none.exit_code == 2);
  BOOST_TEST(none.err.find("no crashfs mount") != std::string::npos, none.describe());

  // A frozen crashfs leaves its mount up: that is what unmount is for.
  const std::string trace = dir / "t.trace";
  auto p = start_recording(dir, trace, {"sh", "-c", "echo up > ready; exec sleep 60"}, "ready");
  p->signal(SIGSTOP);
  const RunResult cleared = run({crashfs_binary(), "unmount", dir.path()});
  BOOST_TEST(cleared.exit_code == 0, cleared.describe());
  BOOST_TEST(!is_mounted(dir.path()));
  p->signal(SIGKILL);
  p->wait();
}

BOOST_AUTO_TEST_CASE(missing_directory_missing_command_and_unwritable_trace_are_clear_errors) {
  TempDir dir;
  const std::string missing = dir / "no-such-dir";
  RunResult r = run({crashfs_binary(), "record", "--dir", missing, "--trace", dir / "t", "--", "true"});
  BOOST_TEST(r.exit_code == 2, r.describe());
  BOOST_TEST(r.err.find("does not exist") != std::string::npos, r.describe());

  write_file(dir / "plain-file", "x");
  r = run({crashfs_binary(), "record", "--dir", dir / "plain-file", "--trace", dir / "t", "--", "true"});
  BOOST_TEST(r.exit_code == 2, r.describe());
  BOOST_TEST(r.err.find("not a directory") != std::string::npos, r.describe());

  r = run({crashfs_binary(), "record", "--dir", dir.path(), "--trace", dir / "t", "--", "no-such-command-xyz"});
  BOOST_TEST(r.exit_code == 127, r.describe());
  BOOST_TEST(r.err.find("command not found") != std::string::npos, r.describe());

  r = run({crashfs_binary(), "record", "--dir", dir.path(), "--trace", missing + "/t.trace", "--", "true"});
  BOOST_TEST(r.exit_code == 2, r.describe());
  BOOST_TEST(r.err.find("trace") != std::string::npos, r.describe());

  r = run({crashfs_binary(), "record", "--dir", dir.path()});
  BOOST_TEST(r.exit_code == 2, "no command is a usage error: " << r.describe());
  BOOST_TEST(!is_mounted(dir.path()));
}

BOOST_AUTO_TEST_CASE(missing_dev_fuse_is_reported_with_what_to_do) {
  // A private mount namespace whose /dev has no fuse node.
  TempDir dir;
  const std::string script = "mount -t tmpfs tmpfs /dev && exec " + crashfs_binary() + " record --dir " + dir.path() +
                             " --trace " + dir.path() + "/t -- true";
  const RunResult r = run({"unshare", "-m", "--propagation", "private", "sh", "-c", script});
  BOOST_REQUIRE_MESSAGE(r.exit_code != 127 || r.err.find("unshare") == std::string::npos, "unshare missing");
  BOOST_TEST(r.exit_code == 2, r.describe());
  BOOST_TEST(r.err.find("FUSE is not available: /dev/fuse missing") != std::string::npos, r.describe());
  BOOST_TEST(!is_mounted(dir.path()));
}

namespace {

// Runs `crashfs record` as nobody in a private mount namespace whose /dev
// holds only a fuse node with `mode`, recording `command` in `dir`.
RunResult record_as_nobody(const TempDir& dir, const char* mode, const std::string& command) {
  chmod(dir.path().c_str(), 0777);
  const std::string script = "mount -t tmpfs tmpfs /dev && mknod -m " + std::string(mode) +
                             " /dev/fuse c 10 229 && exec setpriv --reuid=65534 --regid=65534 --clear-groups " +
                             crashfs_binary() + " record --dir " + dir.path() + " --trace " + dir.path() +
                             "/t.trace -- sh -c '" + command + "'";
  return run({"unshare", "-m", "--propagation", "private", "sh", "-c", script});
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_dev_fuse_the_user_cannot_open_is_reported_with_what_to_do) {
  TempDir dir;
  const RunResult r = record_as_nobody(dir, "0600", "true");
  BOOST_TEST(r.exit_code == 2, r.describe());
  BOOST_TEST(r.err.find("FUSE is not available to this user") != std::string::npos, r.describe());
  BOOST_TEST(r.err.find("run crashfs as root") != std::string::npos, r.describe());
}

BOOST_AUTO_TEST_CASE(a_user_other_than_root_records_without_allow_other) {
  // fusermount3 refuses allow_other to users unless /etc/fuse.conf allows
  // it; crashfs does not ask for it when it is not root.
  TempDir dir;
  const RunResult r = record_as_nobody(dir, "0666", "echo hi > f && cat f");
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.describe());
  BOOST_TEST(r.out == "hi\n", r.describe());
  struct stat st {};
  BOOST_TEST_REQUIRE(stat((dir / "f").c_str(), &st) == 0);
  BOOST_TEST(st.st_uid == 65534u);
  const Trace t = read_trace(dir / "t.trace");
  BOOST_TEST(t.status.is_ok());
  BOOST_TEST(t.of_type(RecordType::kCreate).size() == 1u);
  BOOST_TEST(!is_mounted(dir.path()));
}

BOOST_AUTO_TEST_CASE(help_lists_every_option_and_no_record_writes_no_trace) {
  const RunResult help = run({crashfs_binary(), "record", "--help"});
  BOOST_TEST(help.exit_code == 0);
  for (const char* option : {"--dir", "--trace", "--no-record", "--real-fsync", "user.crashfs.mark"}) {
    BOOST_TEST(help.out.find(option) != std::string::npos, option << " missing from --help:\n" << help.out);
  }
  TempDir dir;
  const RunResult r = record(dir.path(), dir / "t.trace", {"sh", "-c", "echo x > f; sync; exit 3"}, {"--no-record"});
  BOOST_TEST(r.exit_code == 3, r.describe());
  BOOST_TEST(access((dir / "t.trace").c_str(), F_OK) != 0, "--no-record wrote a trace");
  BOOST_TEST(read_file(dir / "f") == "x\n");
}

// The check phase of `crashfs run` follows the recording, whose signal mask
// blocks SIGINT/SIGTERM: a user (or CI's step timeout) must still be able to
// stop a long check.  The slow cmd: checker writes `checking` once it runs,
// then sleeps far longer than the harness timeout.
BOOST_AUTO_TEST_CASE(sigint_and_sigterm_stop_a_run_while_it_checks) {
  for (const int sig : {SIGINT, SIGTERM}) {
    TempDir dir;
    TempDir outside;
    MountGuard guard(dir.path());
    const std::string marker = outside / "checking";
    RunOptions opt;
    opt.timeout = 30s;
    Process p({crashfs_binary(), "run", "--dir", dir.path(), "--trace", dir / "t.trace", "--model", "process-kill",
               "--checker", "cmd:echo \"$CRASHFS_STATE\" > " + marker + "; exec sleep 61.25", "--", "sh", "-c",
               "echo a > f"},
              opt);
    const bool checking = eventually([&] { return access(marker.c_str(), F_OK) == 0; }, 20s);
    BOOST_REQUIRE_MESSAGE(checking, "the check did not start: " << p.stderr_so_far());
    BOOST_TEST(!is_mounted(dir.path()), "the recording mount is still there while checking");
    p.signal(sig);
    const RunResult r = p.wait();
    BOOST_TEST(!r.timed_out, "signal " << sig << " did not stop the check: " << r.describe());
    BOOST_TEST(r.exit_code == 128 + sig, "signal " << sig << ": " << r.describe());
    // The checker's command runs in its own process group: it dies with crashfs.
    BOOST_TEST(eventually([&] { return run({"pgrep", "-f", "sleep 61.25"}).exit_code != 0; }, 5s),
               "the checker's command survived crashfs");
    // And so does the scratch directory the state was written to.
    std::string state = read_file(marker);
    while (!state.empty() && state.back() == '\n') state.pop_back();
    const std::string scratch = state.substr(0, state.rfind('/'));
    BOOST_TEST(scratch.find("/crashfs-cmd-") != std::string::npos, scratch);
    BOOST_TEST(eventually([&] { return access(scratch.c_str(), F_OK) != 0; }, 5s),
               "the checker's scratch directory " << scratch << " outlived crashfs");
  }
}
