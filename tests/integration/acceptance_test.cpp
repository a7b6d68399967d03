// The acceptance table of the checkers issue and the explain issue: each
// incident workload recorded for real under `crashfs run`, with the verdict
// per model read from its JSON report.  A row whose interpreter is missing
// fails naming it (run-variant.sh exits 2); it is never skipped.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

using namespace crashfs::test;
using nlohmann::json;

namespace {

const std::string kSource = CRASHFS_SOURCE_DIR;

struct Outcome {
  RunResult run;
  json report;
  // "clean" / "violation" per model, for the one checker of the run.
  std::string verdict(const std::string& model) const {
    for (const auto& v : report["verdicts"])
      if (v["model"] == model) return v["verdict"];
    return "missing";
  }
};

// `crashfs run` over a fresh directory prepared by `setup`, with `checker`,
// under process-kill and posix.
Outcome crashfs_run(const TempDir& dir, const std::string& checker, const std::vector<std::string>& command,
                    const std::vector<std::string>& extra = {}) {
  const std::string trace = dir / "run.trace";
  const std::string report = dir / "report.json";
  std::vector<std::string> argv = {CRASHFS_BINARY, "run",     "--dir",   dir / "work", "--trace",
                                   trace,          "--checker", checker, "--model",    "process-kill",
                                   "--model",      "posix",   "--report-json", report};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  RunOptions opt;
  opt.timeout = std::chrono::seconds(300);
  opt.env = {{"PYC_WRITER", workload("pyc_writer")}};
  Outcome o;
  o.run = run(argv, opt);
  BOOST_TEST_REQUIRE((o.run.exit_code == 0 || o.run.exit_code == 1), o.run.describe());
  o.report = json::parse(read_file(report));
  // The exit code agrees with the report.
  BOOST_TEST((o.run.exit_code == 1) == (o.report["summary"]["violations"].get<std::uint64_t>() > 0));
  return o;
}

Outcome pyc_row(const std::string& variant) {
  TempDir dir;
  std::filesystem::create_directories(dir / "work");
  const RunResult setup = run({kSource + "/workloads/pyc/run-variant.sh", "setup", dir / "work"});
  BOOST_TEST_REQUIRE(setup.exit_code == 0, setup.describe());
  return crashfs_run(dir, "pyc", {kSource + "/workloads/pyc/run-variant.sh", variant});
}

Outcome journal_row(const std::string& variant, const std::string& format, std::vector<std::string> args) {
  TempDir dir;
  std::filesystem::create_directories(dir / "work");
  std::vector<std::string> command = {workload("journal_writer"), "--variant", variant, "--format", format, "--out",
                                      "data.log"};
  command.insert(command.end(), args.begin(), args.end());
  return crashfs_run(dir, "journal:" + format + "@data.log", command);
}

bool any_reason_contains(const json& report, const std::string& text) {
  for (const auto& v : report["violations"])
    if (v["reason"].get<std::string>().find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(pyc_py27_is_clean_on_process_kill_and_broken_on_power_loss) {
  const Outcome o = pyc_row("py27");
  BOOST_TEST(o.verdict("process-kill") == "clean");
  BOOST_TEST(o.verdict("posix") == "violation");
}

BOOST_AUTO_TEST_CASE(pyc_py33_needs_an_fsync_of_the_temporary_file_before_the_rename) {
  const Outcome o = pyc_row("py33");
  BOOST_TEST(o.verdict("process-kill") == "clean");
  BOOST_TEST(o.verdict("posix") == "violation");
  // Explain: one group, fixed by fsync of the temporary file before the rename, verified.
  BOOST_TEST_REQUIRE(o.report["fixes"].size() >= 1u, o.report.dump(2));
  const json& fix = o.report["fixes"][0];
  BOOST_TEST(fix["barrier"] == "fsync");
  BOOST_TEST(fix["verified"] == true);
  BOOST_TEST(fix["path"].get<std::string>().find("__pycache__/big.cpython-311.pyc.") == 0);
  BOOST_TEST(fix["text"].get<std::string>().find("(rename)") != std::string::npos, fix.dump());
}

BOOST_AUTO_TEST_CASE(pyc_durable_is_clean_and_only_its_file_fsync_is_needed) {
  const Outcome o = pyc_row("durable");
  BOOST_TEST(o.verdict("process-kill") == "clean");
  BOOST_TEST(o.verdict("posix") == "clean");
  bool file_fsync_needed = false;
  for (const auto& n : o.report["needed_fsyncs"])
    if (n["op"].get<std::string>().find(" fsync __pycache__/big.cpython-311.pyc.") != std::string::npos)
      file_fsync_needed = true;
  BOOST_TEST(file_fsync_needed, o.report["needed_fsyncs"].dump(2));
  bool dir_fsync_unneeded = false;
  for (const auto& u : o.report["unneeded_fsyncs"])
    if (u["op"].get<std::string>().find("fsyncdir") != std::string::npos) dir_fsync_unneeded = true;
  BOOST_TEST(dir_fsync_unneeded, o.report["unneeded_fsyncs"].dump(2));
}

BOOST_AUTO_TEST_CASE(real_python3_py_compile_is_broken_on_power_loss) {
  const Outcome o = pyc_row("python3");
  BOOST_TEST(o.verdict("process-kill") == "clean");
  BOOST_TEST(o.verdict("posix") == "violation");
}

BOOST_AUTO_TEST_CASE(real_python27_import_is_broken_on_power_loss) {
  const Outcome o = pyc_row("python2.7");
  BOOST_TEST(o.verdict("process-kill") == "clean");
  BOOST_TEST(o.verdict("posix") == "violation");
}

BOOST_AUTO_TEST_CASE(journal_locked_abort_leaves_half_entries_even_on_process_kill) {
  const Outcome o = journal_row("locked", "u32le", {"--threads", "4", "--abort-after", "8"});
  BOOST_TEST(o.verdict("process-kill") == "violation");
  BOOST_TEST(o.verdict("posix") == "violation");
  // No fsync can fix what the program itself wrote.
  bool explained = false;
  for (const auto& g : o.report["groups"])
    if (g["models"].dump().find("process-kill") != std::string::npos && g.contains("no_fix_reason")) explained = true;
  BOOST_TEST(explained, o.report["groups"].dump(2));
}

BOOST_AUTO_TEST_CASE(journal_single_writer_is_clean_on_process_kill_and_undetectable_zeros_on_power_loss) {
  const Outcome o = journal_row("single-writer", "u32le", {"--threads", "4", "--abort-after", "8"});
  BOOST_TEST(o.verdict("process-kill") == "clean");
  BOOST_TEST(o.verdict("posix") == "violation");
  BOOST_TEST(any_reason_contains(o.report, "cannot tell"), "the report says the format cannot detect zero-filled bytes");
}

BOOST_AUTO_TEST_CASE(journal_acked_keeps_every_acknowledged_entry_and_needs_each_fdatasync) {
  const Outcome o = journal_row("acked", "u32le+crc32c", {"--entries", "4"});
  BOOST_TEST(o.verdict("process-kill") == "clean");
  BOOST_TEST(o.verdict("posix") == "clean");
  BOOST_TEST(o.run.out.find("ack 3") != std::string::npos);
  // Every fdatasync that follows an entry is needed by the durability rule.
  int needed_datasyncs = 0;
  for (const auto& n : o.report["needed_fsyncs"]) {
    if (n["op"].get<std::string>().find("fdatasync") == std::string::npos) continue;
    ++needed_datasyncs;
    BOOST_TEST(n["needed_by"].get<std::string>().find("lost-acked") != std::string::npos, n.dump());
  }
  BOOST_TEST(needed_datasyncs == 4, o.report["needed_fsyncs"].dump(2));
}

BOOST_AUTO_TEST_CASE(a_second_fsync_in_a_row_is_reported_as_unneeded) {
  TempDir dir;
  std::filesystem::create_directories(dir / "work");
  const std::string script =
      "import os\n"
      "fd = os.open('f.tmp', os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)\n"
      "os.write(fd, b'settings=1\\n' * 300)\n"
      "os.fsync(fd)\n"
      "os.fsync(fd)\n"
      "os.close(fd)\n"
      "os.rename('f.tmp', 'f.conf')\n";
  const Outcome o = crashfs_run(dir, "atomic@f.conf", {"python3", "-c", script});
  BOOST_TEST(o.verdict("posix") == "clean");
  BOOST_TEST_REQUIRE(o.report["unneeded_fsyncs"].size() == 1u, o.report.dump(2));
  BOOST_TEST_REQUIRE(o.report["needed_fsyncs"].size() == 1u, o.report.dump(2));
  BOOST_TEST(o.report["unneeded_fsyncs"][0]["seq"].get<std::uint64_t>() >
             o.report["needed_fsyncs"][0]["seq"].get<std::uint64_t>());
}
