// Real workloads recorded on crashfs: the final process-kill state rebuilt
// from the trace and written by `crashfs replay` equals, byte for byte, the
// directory the workload left behind.  Each run starts over a directory
// with files the workload overwrites or deletes, so pre-images, renames
// over existing files and untouched entries are all exercised.  `--base`
// is a copy of the directory, never the directory compared with.
#include "tests/integration/harness.h"

#include <unistd.h>

namespace t = crashfs::test;
using crashfs::RecordType;

namespace {

// Records `argv` in `dir`, replays the last crash point's process-kill state
// and compares it with `dir`.  Returns the decoded trace for extra checks.
t::Trace record_and_compare(const t::TempDir& work, const std::string& dir, const std::vector<std::string>& argv,
                            t::RunOptions opt = {}) {
  const std::string trace = work / "run.trace";
  const t::RunResult rec = t::record(dir, trace, argv, {}, opt);
  BOOST_REQUIRE_MESSAGE(rec.exit_code == 0, rec.describe());
  t::Trace decoded = t::read_trace(trace);
  BOOST_REQUIRE(decoded.status.is_ok());

  // The last operation names the final crash point.
  const t::RunResult list = t::run({t::crashfs_binary(), "explore", trace, "--model", "process-kill", "--list"});
  BOOST_REQUIRE_MESSAGE(list.exit_code == 0, list.describe());
  std::string last_id;
  std::istringstream lines(list.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("process-kill@", 0) == 0) last_id = line.substr(0, line.find('\t'));
  }
  BOOST_REQUIRE(!last_id.empty());
  // The base is a copy: nothing may come from the tree compared with.
  const std::string base = work / "base";
  const t::RunResult copy = t::run({"cp", "-a", dir, base});
  BOOST_REQUIRE_MESSAGE(copy.exit_code == 0, copy.describe());
  const std::string out = work / "replayed";
  const t::RunResult replay =
      t::run({t::crashfs_binary(), "replay", trace, "--state", last_id, "--out", out, "--base", base});
  BOOST_REQUIRE_MESSAGE(replay.exit_code == 0, replay.describe());
  BOOST_TEST(t::compare_trees(dir, out) == "", "trace:\n" << decoded.text().substr(0, 20000));
  return decoded;
}

std::size_t count(const t::Trace& trace, RecordType type) { return trace.of_type(type).size(); }

}  // namespace

BOOST_AUTO_TEST_CASE(python_compileall_over_stale_caches) {
  t::TempDir work;
  const std::string dir = work / "proj";
  std::string body;
  for (int i = 0; i < 400; ++i) body += "def f" + std::to_string(i) + "(x):\n    return x * " + std::to_string(i) + "\n";
  t::write_file(dir + "/pkg/__init__.py", "VALUE = 1\n");
  t::write_file(dir + "/pkg/big.py", body);
  t::write_file(dir + "/pkg/sub/__init__.py", "");
  t::write_file(dir + "/pkg/sub/leaf.py", "import os\nprint(os.sep)\n");
  t::write_file(dir + "/pkg/__pycache__/big.cpython-311.pyc", "stale garbage, not a pyc");
  t::write_file(dir + "/obsolete.txt", "deleted by the run");
  t::write_file(dir + "/untouched/notes.txt", "never looked at");
  t::RunOptions opt;
  opt.unset_env = {"PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"};
  const t::Trace trace = record_and_compare(work, dir, {"sh", "-c", "python3 -m compileall -q pkg && rm obsolete.txt"}, opt);
  BOOST_TEST(count(trace, RecordType::kRename) >= 4u);
  BOOST_TEST(count(trace, RecordType::kPreImage) >= 1u);
  BOOST_TEST(std::filesystem::exists(dir + "/pkg/__pycache__/big.cpython-311.pyc"));
}

BOOST_AUTO_TEST_CASE(git_init_add_commit) {
  t::TempDir work;
  const std::string dir = work / "repo";
  t::write_file(dir + "/README", "hello\n");
  t::write_file(dir + "/src/main.c", "int main(void) { return 0; }\n");
  t::write_file(dir + "/src/util.c", std::string(20000, 'u'));
  const t::Trace trace = record_and_compare(
      work, dir,
      {"sh", "-c",
       "git init -q && git add . && git -c user.email=t@e -c user.name=t commit -qm first && echo more >> README && "
       "git -c user.email=t@e -c user.name=t commit -qam second"});
  BOOST_TEST(count(trace, RecordType::kWrite) > 10u);
}

BOOST_AUTO_TEST_CASE(sqlite_inserts_into_an_existing_database) {
  t::TempDir work;
  const std::string dir = work / "db";
  std::filesystem::create_directories(dir);
  const t::RunResult init =
      t::run({"sqlite3", dir + "/app.db", "create table t(k integer primary key, v text); insert into t(v) values('a');"});
  BOOST_REQUIRE_MESSAGE(init.exit_code == 0, init.describe());
  std::string sql = "begin;";
  for (int i = 0; i < 300; ++i) sql += "insert into t(v) values('" + std::string(100, static_cast<char>('a' + i % 26)) + "');";
  sql += "commit; delete from t where k % 3 = 0; vacuum;";
  const t::Trace trace = record_and_compare(work, dir, {"sqlite3", "app.db", sql});
  BOOST_TEST(count(trace, RecordType::kPreImage) >= 1u);
}

BOOST_AUTO_TEST_CASE(tar_extract_over_existing_files) {
  t::TempDir work;
  const std::string src = work / "src";
  t::write_file(src + "/a.txt", std::string(10000, 'a'));
  t::write_file(src + "/dir/b.bin", std::string(70000, 'b'));
  t::write_file(src + "/dir/c.txt", "c");
  BOOST_REQUIRE(::symlink("a.txt", (src + "/link").c_str()) == 0);
  const t::RunResult tar = t::run({"tar", "cf", work / "x.tar", "-C", src, "."});
  BOOST_REQUIRE_MESSAGE(tar.exit_code == 0, tar.describe());
  const std::string dir = work / "dest";
  t::write_file(dir + "/a.txt", "old content that tar overwrites");
  t::write_file(dir + "/dir/c.txt", "old c");
  t::write_file(dir + "/other.txt", "stays");
  const t::Trace trace = record_and_compare(work, dir, {"tar", "xf", work / "x.tar"});
  BOOST_TEST(t::read_file(dir + "/a.txt") == std::string(10000, 'a'));
  BOOST_TEST(count(trace, RecordType::kSymlink) == 1u);
}

BOOST_AUTO_TEST_CASE(permissions_copied_as_an_acl_by_sed_i_and_cp_a) {
  // sed -i and cp -a copy a file's permissions by setting its
  // system.posix_acl_access xattr: the backing file system changes the
  // mode, with no chmod for the trace to see.
  t::TempDir work;
  const std::string dir = work / "files";
  t::write_file(dir + "/conf", "a\nb\n", 0640);
  ::chmod((dir + "/conf").c_str(), 0640);
  const t::Trace trace = record_and_compare(work, dir, {"sh", "-c", "sed -i s/a/x/ conf && cp -a conf copy"});
  BOOST_TEST(count(trace, RecordType::kSetXattr) >= 1u, trace.text().substr(0, 4000));
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat((dir + "/copy").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 0640u);
}

BOOST_AUTO_TEST_CASE(every_kind_of_mutation_replays_to_the_same_tree) {
  // mmap writeback, RENAME_EXCHANGE, writes to unlinked and renamed open
  // files, copy_file_range, fallocate and hole punching, a write split into
  // several records, directory fsync, O_SYNC, links, a fifo.
  t::TempDir work;
  const std::string dir = work / "calls";
  std::filesystem::create_directories(dir);
  const std::string script = std::string(CRASHFS_SOURCE_DIR) + "/tests/integration/syscall_workload.py";
  const t::Trace trace = record_and_compare(work, dir, {"python3", script});
  BOOST_TEST(count(trace, RecordType::kRename) >= 2u);
  BOOST_TEST(count(trace, RecordType::kFallocate) >= 2u);
  BOOST_TEST(count(trace, RecordType::kFsyncdir) >= 1u);
  BOOST_TEST(t::read_file(dir + "/a") == "BB");
  BOOST_TEST(t::read_file(dir + "/b") == "A");
}

BOOST_AUTO_TEST_CASE(concurrent_appenders_to_one_file_replay_exactly) {
  // Four processes append through their own O_APPEND descriptors: the
  // kernel picks each write's offset, crashfs writes and records it there.
  t::TempDir work;
  const std::string dir = work / "appends";
  std::filesystem::create_directories(dir);
  const std::string append =
      "import os, sys\n"
      "fd = os.open('shared.log', os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)\n"
      "for i in range(1000): os.write(fd, b'%s line %06d ...\\n' % (sys.argv[1].encode(), i))\n";
  const t::Trace trace = record_and_compare(
      work, dir,
      {"sh", "-c", "for p in p1 p2 p3 p4; do python3 -c \"$0\" $p & done; wait", append});
  const std::string log = t::read_file(dir + "/shared.log");
  BOOST_TEST(log.size() == 4u * 1000u * 19u);
  // Every byte written once (the kernel splits a write that crosses into a
  // page not in its cache, so there can be more records than writes).
  std::uint64_t bytes = 0;
  for (const auto* w : trace.of_type(RecordType::kWrite)) bytes += w->data.size();
  BOOST_TEST(bytes == log.size());
  BOOST_TEST(count(trace, RecordType::kWrite) >= 4000u);
}
