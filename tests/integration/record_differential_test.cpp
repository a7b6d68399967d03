// Differential tests: real programs run once on a plain directory and once
// under `crashfs record` must leave byte-identical trees (contents, types,
// permission bits, symlink targets), and the trace must be readable by
// `crashfs dump`.
#include <sys/stat.h>

#include <algorithm>
#include <functional>

#include "tests/integration/harness.h"

using namespace crashfs;
using namespace crashfs::test;

namespace {

// Fixed times, so tools that embed mtimes (pyc headers) write the same bytes.
void set_mtime(const std::string& path, std::time_t when = 1600000000) {
  const timespec times[2] = {{when, 0}, {when, 0}};
  utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

struct Differential {
  std::function<void(const std::string& dir)> setup;  // runs on both directories first
  std::vector<std::string> argv;                      // run with cwd = the directory
  RunOptions options;
  CompareOptions compare;
};

// Runs the workload natively and recorded; returns the recorded trace.
Trace run_both(const Differential& d, TempDir& native, TempDir& recorded) {
  TempDir outside;  // the trace lives outside both trees
  const std::string trace = outside / "crashfs.trace";
  d.setup(native.path());
  d.setup(recorded.path());

  RunOptions opt = d.options;
  opt.cwd = native.path();
  const RunResult plain = run(d.argv, opt);
  BOOST_REQUIRE_MESSAGE(plain.exit_code == 0, "native run failed: " << plain.describe());
  opt.cwd = recorded.path();
  const RunResult rec = record(recorded.path(), trace, d.argv, {}, opt);
  BOOST_REQUIRE_MESSAGE(rec.exit_code == 0, "recorded run failed: " << rec.describe());
  BOOST_TEST(plain.out == rec.out, "the program printed something else when recorded");

  const std::string diff = compare_trees(native.path(), recorded.path(), d.compare);
  BOOST_TEST(diff.empty(), "trees differ:\n" << diff);

  const RunResult dumped = run({crashfs_binary(), "dump", trace});
  BOOST_TEST(dumped.exit_code == 0, "crashfs dump failed: " << dumped.describe());
  BOOST_TEST(dumped.err.empty(), dumped.err);
  Trace t = read_trace(trace);
  BOOST_TEST(t.status.is_ok(), t.status.message());
  BOOST_TEST(t.torn_tail_bytes == 0u);
  return t;
}

std::size_t count(const Trace& t, RecordType type) { return t.of_type(type).size(); }

}  // namespace

BOOST_AUTO_TEST_CASE(python_compileall_writes_the_same_pycs) {
  Differential d;
  d.setup = [](const std::string& dir) {
    write_file(dir + "/pkg/__init__.py", "from .core import value\n");
    std::string body = "import os\n\n";
    for (int i = 0; i < 200; ++i) body += "def f" + std::to_string(i) + "(x):\n    return x * " + std::to_string(i) + "\n\n";
    write_file(dir + "/pkg/core.py", body + "value = f3(14)\n");
    write_file(dir + "/pkg/sub/__init__.py", "");
    write_file(dir + "/pkg/sub/leaf.py", "NAMES = ('a', 'b', 'c')\nTABLE = {n: len(n) for n in NAMES}\n");
    for (const char* f : {"/pkg/__init__.py", "/pkg/core.py", "/pkg/sub/__init__.py", "/pkg/sub/leaf.py"}) {
      set_mtime(dir + f);
    }
  };
  d.argv = {"python3", "-m", "compileall", "-q", "pkg"};
  d.options.unset_env = {"PYTHONDONTWRITEBYTECODE"};
  d.options.env = {{"PYTHONHASHSEED", "0"}};
  TempDir native;
  TempDir recorded;
  const Trace t = run_both(d, native, recorded);
  BOOST_TEST(count(t, RecordType::kRename) >= 4u, "one rename per pyc:\n" << t.text());
  BOOST_TEST(std::filesystem::exists(recorded / "pkg/sub/__pycache__"));
}

BOOST_AUTO_TEST_CASE(git_init_add_commit_builds_the_same_repository) {
  Differential d;
  d.setup = [](const std::string& dir) {
    write_file(dir + "/README", "hello\n");
    write_file(dir + "/src/main.c", "int main(void) { return 0; }\n");
    write_file(dir + "/run.sh", "#!/bin/sh\necho run\n", 0755);
    std::filesystem::create_directories(dir + "/home");
  };
  d.argv = {"sh", "-c",
            "git -c init.defaultBranch=main init -q . && git add README src run.sh && "
            "git commit -q -m 'first commit' && git log --format=%H"};
  d.options.env = {{"GIT_AUTHOR_NAME", "A"},           {"GIT_AUTHOR_EMAIL", "a@example.com"},
                   {"GIT_COMMITTER_NAME", "C"},        {"GIT_COMMITTER_EMAIL", "c@example.com"},
                   {"GIT_AUTHOR_DATE", "1600000000 +0000"}, {"GIT_COMMITTER_DATE", "1600000000 +0000"},
                   {"GIT_CONFIG_NOSYSTEM", "1"},       {"HOME", "/nonexistent-crashfs-home"}};
  // .git/index caches each file's stat data (inode, device, ctime), which
  // differ between any two directories; everything else must match.
  d.compare.ignore = {".git/index"};
  TempDir native;
  TempDir recorded;
  const Trace t = run_both(d, native, recorded);
  BOOST_TEST(count(t, RecordType::kCreate) >= 5u);
  const RunResult fsck = run({"git", "fsck", "--strict"}, in_dir(recorded.path()));
  BOOST_TEST(fsck.exit_code == 0, fsck.describe());
}

BOOST_AUTO_TEST_CASE(sqlite3_inserts_in_rollback_and_wal_mode_give_the_same_databases) {
  Differential d;
  d.setup = [](const std::string& dir) {
    std::string sql = "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, blob BLOB);\n";
    for (int batch = 0; batch < 20; ++batch) {
      sql += "BEGIN;\n";
      for (int i = 0; i < 50; ++i) {
        sql += "INSERT INTO t(name, blob) VALUES ('row " + std::to_string(batch * 50 + i) + "', zeroblob(300));\n";
      }
      sql += "COMMIT;\n";
    }
    sql += "SELECT count(*) FROM t;\n";
    write_file(dir + "/rollback.sql", sql);
    write_file(dir + "/wal.sql", "PRAGMA journal_mode=WAL;\nPRAGMA mmap_size=1048576;\n" + sql);
  };
  d.argv = {"sh", "-c", "sqlite3 rollback.db < rollback.sql && sqlite3 wal.db < wal.sql"};
  TempDir native;
  TempDir recorded;
  const Trace t = run_both(d, native, recorded);
  BOOST_TEST(count(t, RecordType::kFsync) + count(t, RecordType::kFdatasync) > 0u, "sqlite always syncs");
  const RunResult check =
      run({"sqlite3", recorded / "wal.db", "PRAGMA integrity_check; SELECT count(*) FROM t;"});
  BOOST_TEST(check.out == "ok\n1000\n", check.describe());
}

BOOST_AUTO_TEST_CASE(tar_extract_gives_the_same_tree) {
  TempDir source_root;
  const std::string src = source_root / "tree";
  write_file(src + "/a.txt", "alpha\n");
  write_file(src + "/bin/tool", "#!/bin/sh\n", 0755);
  write_file(src + "/private", "secret\n", 0600);
  write_file(src + "/empty", "");
  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  write_file(src + "/data/big.bin", big);
  std::filesystem::create_directories(src + "/deep/er/est");
  std::filesystem::create_symlink("../a.txt", src + "/data/link");
  std::filesystem::create_hard_link(src + "/a.txt", src + "/hard");
  const std::string tarball = source_root / "tree.tar";
  BOOST_REQUIRE(run({"tar", "cf", tarball, "-C", source_root.path(), "tree"}).exit_code == 0);

  Differential d;
  d.setup = [](const std::string&) {};
  d.argv = {"tar", "xf", tarball};
  TempDir native;
  TempDir recorded;
  const Trace t = run_both(d, native, recorded);
  BOOST_TEST(count(t, RecordType::kSymlink) == 1u);
  BOOST_TEST(count(t, RecordType::kLink) == 1u);
  struct stat st {};
  BOOST_TEST(stat((recorded / "tree/hard").c_str(), &st) == 0);
  BOOST_TEST(st.st_nlink == 2u, "the hard link was not kept");
}

BOOST_AUTO_TEST_CASE(cp_r_inside_the_mount_copies_the_same_bytes) {
  Differential d;
  d.setup = [](const std::string& dir) {
    std::string body(3 * 1024 * 1024 + 17, 'q');
    for (std::size_t i = 0; i < body.size(); i += 4093) body[i] = static_cast<char>('a' + i % 26);
    write_file(dir + "/src/big", body);
    write_file(dir + "/src/small", "small\n", 0640);
    write_file(dir + "/src/nested/x", "x\n");
    std::filesystem::create_symlink("small", dir + "/src/alias");
  };
  // Both trees inside the mount: cp copies with copy_file_range through crashfs.
  d.argv = {"cp", "-r", "src", "copy"};
  TempDir native;
  TempDir recorded;
  const Trace t = run_both(d, native, recorded);
  BOOST_TEST(read_file(recorded / "copy/big") == read_file(recorded / "src/big"));
  // The copied bytes are in the trace as writes to the new file.
  NodeId big_copy = 0;
  for (const Record& r : t.records) {
    if (r.type == RecordType::kCreate && r.name == "big" && r.parent != 0) big_copy = r.node;
  }
  std::string written(read_file(recorded / "copy/big").size(), '\0');
  std::size_t covered = 0;
  for (const Record* w : t.of_type(RecordType::kWrite)) {
    if (w->node != big_copy) continue;
    std::copy(w->data.begin(), w->data.end(), written.begin() + static_cast<std::ptrdiff_t>(w->offset));
    covered += w->data.size();
  }
  BOOST_TEST(covered == written.size(), t.text().substr(0, 4000));
  BOOST_TEST(written == read_file(recorded / "copy/big"));
}

BOOST_AUTO_TEST_CASE(multithreaded_writer_gives_the_same_files) {
  Differential d;
  d.setup = [](const std::string&) {};
  d.argv = {workload("mt_writer"), "8", "200"};
  // shared.log interleaves the threads in whatever order they ran, so it
  // is compared line-sorted below; every other file is deterministic.
  d.compare.ignore = {"shared.log"};
  TempDir native;
  TempDir recorded;
  run_both(d, native, recorded);
  auto sorted_lines = [](const std::string& path) {
    std::vector<std::string> lines;
    std::istringstream in(read_file(path));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  const auto a = sorted_lines(native / "shared.log");
  const auto b = sorted_lines(recorded / "shared.log");
  BOOST_TEST(a.size() == 1600u);
  BOOST_TEST((a == b), "shared.log holds different lines");
}

BOOST_AUTO_TEST_CASE(non_root_writers_own_what_they_create_and_clear_setuid_bits) {
  Differential d;
  d.setup = [](const std::string& dir) {
    chmod(dir.c_str(), 0777);
    write_file(dir + "/suid-program", "#!/bin/sh\n", 04777);
    chmod((dir + "/suid-program").c_str(), 04777);
    write_file(dir + "/sgid-program", "#!/bin/sh\n", 02777);
    chmod((dir + "/sgid-program").c_str(), 02777);
  };
  // As nobody: append to world-writable setuid/setgid files (the kernel
  // clears the bits) and create files and directories (owned by nobody).
  d.argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c",
            "echo x >> suid-program && truncate -s 3 sgid-program && echo y > mine && mkdir mydir"};
  TempDir native;
  TempDir recorded;
  run_both(d, native, recorded);
  for (const char* name : {"mine", "mydir"}) {
    struct stat st {};
    BOOST_TEST_REQUIRE(stat((recorded / name).c_str(), &st) == 0);
    BOOST_TEST(st.st_uid == 65534u, name << " is not owned by its creator");
    BOOST_TEST(st.st_gid == 65534u, name << " does not have its creator's group");
  }
  struct stat st {};
  BOOST_TEST(stat((recorded / "suid-program").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 0777u, "setuid bit kept after a write by another user");
}

BOOST_AUTO_TEST_CASE(a_shared_mapping_of_an_append_only_file_is_written_back_in_place) {
  // The kernel writes a shared mapping back through a writable handle of
  // the file, with the page's offset, even when that handle is O_APPEND:
  // the bytes belong where the page is, not at the end of the file.
  Differential d;
  d.setup = [](const std::string&) {};
  d.argv = {"python3", "-c",
            "import mmap, os\n"
            "fd = os.open('f.bin', os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)\n"
            "os.write(fd, b'a' * 8192)\n"
            "m = mmap.mmap(fd, 8192)\n"
            "m[0:10] = b'b' * 10\n"
            "m.flush()\n"
            "m.close()\n"
            "os.write(fd, b'tail')\n"
            "os.close(fd)\n"};
  TempDir native;
  TempDir recorded;
  const Trace t = run_both(d, native, recorded);
  const std::string f = read_file(recorded / "f.bin");
  BOOST_TEST(f.size() == 8196u, "f.bin grew to " << f.size() << " bytes");
  BOOST_TEST(f.substr(0, 12) == "bbbbbbbbbbaa", "the page was not written back in place");
  // The trace says the same: the page went to offset 0, the append to 8192.
  bool page_in_place = false;
  bool tail_at_end = false;
  for (const Record* w : t.of_type(RecordType::kWrite)) {
    if (w->offset == 0 && w->data.substr(0, 10) == std::string(10, 'b')) page_in_place = true;
    if (w->offset == 8192 && w->data == "tail") tail_at_end = true;
  }
  BOOST_TEST(page_in_place, t.text().substr(0, 4000));
  BOOST_TEST(tail_at_end, t.text().substr(0, 4000));
}
