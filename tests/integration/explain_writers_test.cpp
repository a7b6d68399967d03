// Explain on real writer programs, recorded through the mount: the fixes
// land where POSIX says (the write-ahead log's fsync before each data
// write, the directory swap's missing barrier, the placeholder journal's
// head fdatasync needed), and Python's compileall is one bug with one
// verified fix placed at every module.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/integration/verdict_run.h"

using namespace crashfs::test;
using nlohmann::json;

namespace {

const json* op_with_role(const json& group, const std::string& role) {
  for (const json& op : group["ops"])
    if (op["role"].get<std::string>().rfind(role, 0) == 0) return &op;
  return nullptr;
}

const json* fix_of(const json& report, std::size_t group_id) {
  for (const json& f : report["fixes"])
    if (f["group"] == group_id) return &f;
  return nullptr;
}

std::string dump(const json& j) { return j.dump(1).substr(0, 4000); }

}  // namespace

// The write-ahead log without the log record's fsync: one group (the three
// updates are one bug), ordering, fixed by fsync(wal.log) after the log
// write and before the data write it protects, placed at every update and
// verified; with the fsync the run is clean.
BOOST_AUTO_TEST_CASE(the_write_ahead_log_gets_fsync_of_the_log_before_each_data_write) {
  TempDir dir;
  const std::string recover = workload("wal_writer") + " recover";
  const VerdictRun v = crashfs_verdicts(dir, {"--checker", "dump:" + recover, "--model", "posix"},
                                        {workload("wal_writer"), "write", "--updates", "3"});
  BOOST_TEST_INFO(dump(v.report["groups"]) << dump(v.report["fixes"]));
  BOOST_TEST(v.verdict("posix") == "violation");
  BOOST_REQUIRE_EQUAL(v.report["groups"].size(), 1u);
  const json& g = v.report["groups"][0];
  BOOST_TEST(g["kind"] == "ordering");
  const json* lost = op_with_role(g, "lost");
  const json* torn = op_with_role(g, "torn");
  BOOST_REQUIRE(lost != nullptr);
  BOOST_REQUIRE(torn != nullptr);
  BOOST_TEST((*lost)["op"].get<std::string>().find("wal.log") != std::string::npos);
  BOOST_TEST((*torn)["op"].get<std::string>().find("data.db") != std::string::npos);
  const json* f = fix_of(v.report, 1);
  BOOST_REQUIRE(f != nullptr);
  BOOST_TEST((*f)["barrier"] == "fsync");
  BOOST_TEST((*f)["path"] == "wal.log");
  BOOST_TEST((*f)["after_op"] == (*lost)["seq"]);
  BOOST_TEST((*f)["before_op"] == (*torn)["seq"]);
  BOOST_TEST((*f)["instances"] == 3);
  BOOST_TEST((*f)["verified"] == true);

  TempDir fixed;
  const VerdictRun c = crashfs_verdicts(fixed, {"--checker", "dump:" + recover, "--model", "posix"},
                                        {workload("wal_writer"), "write", "--updates", "3", "--fixed"});
  BOOST_TEST(c.verdict("posix") == "clean", dump(c.report["violations"]));
}

// renameat2(RENAME_EXCHANGE) of a staged directory, each barrier left out
// in turn: the fix is that barrier, in its place (fsyncdir(stage) after the
// last entry change in stage, before the exchange; fsyncdir(.) after the
// exchange), verified.
BOOST_AUTO_TEST_CASE(the_directory_swap_gets_each_missing_barrier_back_in_its_place) {
  struct Case {
    std::string missing, barrier, path, after, before;  // after/before: words in the op descriptions
  };
  for (const Case& x : {Case{"fsync-a", "fsync", "stage/a", "write stage/a", "rename"},
                        Case{"fsyncdir-stage", "fsyncdir", "stage", "create stage/b", "rename"},
                        Case{"fsyncdir-parent", "fsyncdir", ".", "rename", ""}}) {
    TempDir dir;
    std::filesystem::create_directories(dir / "work/live");
    write_file(dir / "work/live/a", "old a\n");
    write_file(dir / "work/live/b", "old b\n");
    const VerdictRun v = crashfs_verdicts(dir, {"--checker", "dump:cat live/a live/b", "--model", "posix", "--ack", "swapped"},
                                          {workload("dir_swap"), "--missing", x.missing});
    BOOST_TEST_INFO(x.missing << "\n" << dump(v.report["groups"]) << dump(v.report["fixes"]));
    BOOST_TEST(v.verdict("posix") == "violation");
    BOOST_REQUIRE_EQUAL(v.report["groups"].size(), 1u);
    const json* f = fix_of(v.report, 1);
    BOOST_REQUIRE(f != nullptr);
    BOOST_TEST((*f)["barrier"] == x.barrier);
    BOOST_TEST((*f)["path"] == x.path);
    BOOST_TEST((*f)["verified"] == true);
    BOOST_TEST((*f)["text"].get<std::string>().find("(" + x.after.substr(0, x.after.find(' ')) + ")") != std::string::npos);
    if (!x.before.empty()) {
      BOOST_TEST(!(*f)["before_op"].is_null());
      BOOST_TEST((*f)["after_op"].get<long>() < (*f)["before_op"].get<long>());
      BOOST_TEST((*f)["text"].get<std::string>().find("before op") != std::string::npos);
    }
  }
}

// The placeholder journal (zero head, payload, fdatasync, head patched in,
// fdatasync, "ack"), checksummed: clean, and each head's fdatasync is needed
// (it acknowledges the entry) while each payload's is not (the checksum
// detects a head without its payload).
BOOST_AUTO_TEST_CASE(the_header_patch_journal_needs_each_head_fdatasync_and_not_the_payload_one) {
  TempDir dir;
  std::filesystem::create_directories(dir / "work");
  write_file(dir / "work/data.log", "");  // its directory entry is durable: only the entries are at issue
  const VerdictRun v = crashfs_verdicts(
      dir, {"--checker", "journal:u32le+crc32c@data.log", "--model", "posix"},
      {workload("journal_writer"), "--variant", "placeholder", "--format", "u32le+crc32c", "--out", "data.log",
       "--entries", "3", "--datasync"});
  BOOST_TEST_INFO(dump(v.report["needed_fsyncs"]) << dump(v.report["unneeded_fsyncs"]));
  BOOST_TEST(v.verdict("posix") == "clean");
  BOOST_TEST(v.report["fsyncs_analyzed"] == true);
  std::size_t needed = 0, unneeded = 0;
  for (const json& n : v.report["needed_fsyncs"])
    if (n["op"].get<std::string>().find("fdatasync data.log") != std::string::npos) ++needed;
  for (const json& n : v.report["unneeded_fsyncs"])
    if (n["op"].get<std::string>().find("fdatasync data.log") != std::string::npos) ++unneeded;
  BOOST_TEST(needed == 3u);
  BOOST_TEST(unneeded == 3u);
  // The needed ones are the later of each pair: the head's.
  std::vector<long> need, skip;
  for (const json& n : v.report["needed_fsyncs"]) need.push_back(n["seq"]);
  for (const json& n : v.report["unneeded_fsyncs"]) skip.push_back(n["seq"]);
  std::sort(need.begin(), need.end());
  std::sort(skip.begin(), skip.end());
  for (std::size_t i = 0; i < std::min(need.size(), skip.size()); ++i) BOOST_TEST(skip[i] < need[i]);
}

// Without a checksum a process kill leaves a zero-length entry: no barrier
// fixes the program's own state; the group names the remedy.
BOOST_AUTO_TEST_CASE(the_unchecksummed_header_patch_has_no_barrier_fix_and_names_the_remedy) {
  TempDir dir;
  const VerdictRun v = crashfs_verdicts(
      dir, {"--checker", "journal:u32le@data.log", "--model", "process-kill", "--model", "posix"},
      {workload("journal_writer"), "--variant", "placeholder", "--format", "u32le", "--out", "data.log", "--entries",
       "1", "--datasync"});
  BOOST_TEST_INFO(dump(v.report["groups"]));
  BOOST_REQUIRE(!v.report["groups"].empty());
  const json& g = v.report["groups"][0];
  BOOST_TEST(g["remedy"].get<std::string>().find("header last") != std::string::npos);
  BOOST_TEST(fix_of(v.report, 1) == nullptr);
}

// Real `python3 -m compileall` of the first N top-level modules of
// /usr/lib/python3.11 (N = 40 here, 171 in scripts/explain-compileall.sh):
// every .pyc written to a temporary name and renamed without an fsync is
// one group, one fix stated for every module and verified.
BOOST_AUTO_TEST_CASE(compileall_of_many_modules_is_one_group_with_one_verified_pattern_fix) {
  TempDir dir;
  std::filesystem::create_directories(dir / "work");
  std::vector<std::filesystem::path> modules;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/python3.11"))
    if (e.is_regular_file() && e.path().extension() == ".py") modules.push_back(e.path());
  std::sort(modules.begin(), modules.end());
  BOOST_REQUIRE(modules.size() >= 40u);
  modules.resize(40);
  for (const auto& m : modules) std::filesystem::copy_file(m, dir / ("work/" + m.filename().string()));
  const VerdictRun v = crashfs_verdicts(dir, {"--checker", "pyc", "--model", "posix"},
                                        {"python3", "-m", "compileall", "-q", "."});
  BOOST_TEST_INFO(dump(v.report["groups"]) << dump(v.report["fixes"]));
  BOOST_TEST(v.verdict("posix") == "violation");
  BOOST_REQUIRE_EQUAL(v.report["groups"].size(), 1u);
  const json& g = v.report["groups"][0];
  BOOST_TEST(g["files"].get<int>() > 1);
  const json* f = fix_of(v.report, 1);
  BOOST_REQUIRE(f != nullptr);
  BOOST_TEST((*f)["barrier"] == "fsync");
  BOOST_TEST((*f)["path"].get<std::string>().find("__pycache__/") == 0u);
  BOOST_TEST((*f)["text"].get<std::string>().find("before op") != std::string::npos);
  BOOST_TEST((*f)["instances"].get<int>() >= 40);  // every module's .pyc, not only those with listed violations
  BOOST_TEST((*f)["verified"] == true);
}
