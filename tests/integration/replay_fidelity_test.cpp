// Replay fidelity: a replayed crash state is the tree the program saw.
//
// The reference is never crashfs's own output: it is the real file system.
//  - Differential: workloads/fs_workload runs seeded random operations on
//    the mount and, in lockstep, on a native shadow copy; after chosen
//    operations it marks the trace and writes the shadow's manifest (type,
//    mode with set-id bits, size, nlink, owner, symlink target, contents,
//    rdev, xattrs, hard-link group of every entry).  The process-kill state
//    at each mark, written by `crashfs replay`, must have the same manifest.
//    With several processes, the final state must equal the tree left
//    behind.
//  - One test per case of issue 11 (whiteouts, pre-existing hard links
//    before a write, pre-existing link groups and xattrs, owners, symlink
//    hard links, special files and set-id bits).
// `--base` is always a separate copy of the recorded directory after the
// run, so nothing is copied from the tree a state is compared with.
#include "tests/integration/harness.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <set>

namespace t = crashfs::test;
using crashfs::Record;
using crashfs::RecordType;
using crashfs::Seq;

namespace {

std::string manifest(const std::string& dir) {
  const t::RunResult r = t::run({t::workload("fs_workload"), "manifest", dir});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  return r.out;
}

// Lines of `a` and `b` that differ, as a readable list ("" when equal).
std::string manifest_diff(const std::string& expected, const std::string& replayed) {
  std::istringstream ea(expected);
  std::istringstream eb(replayed);
  std::set<std::string> la;
  std::set<std::string> lb;
  for (std::string line; std::getline(ea, line);) la.insert(line);
  for (std::string line; std::getline(eb, line);) lb.insert(line);
  std::string out;
  int shown = 0;
  for (const std::string& l : la)
    if (!lb.count(l) && ++shown <= 30) out += "  native:   " + l + "\n";
  for (const std::string& l : lb)
    if (!la.count(l) && ++shown <= 60) out += "  replayed: " + l + "\n";
  if (shown > 60) out += "  (" + std::to_string(shown - 60) + " more lines differ)\n";
  return out;
}

// The crash point right before record `index`: the last operation
// (mutation or durability record) before it.
Seq point_before(const t::Trace& trace, std::size_t index) {
  for (std::size_t i = index; i-- > 0;) {
    const Record& r = trace.records[i];
    if (crashfs::is_mutation(r.type) || crashfs::is_durability(r.type)) return r.seq;
  }
  return 0;
}

// Index of the Mark record labelled `label`.
std::size_t mark_index(const t::Trace& trace, const std::string& label) {
  for (std::size_t i = 0; i < trace.records.size(); ++i) {
    if (trace.records[i].type == RecordType::kMark && trace.records[i].data == label) return i;
  }
  BOOST_FAIL("no mark " << label << " in the trace");
  return 0;
}

// `crashfs replay` of the process-kill state after operation `seq`.
std::string replay(const t::TempDir& work, const std::string& trace, Seq seq, const std::string& base,
                   const std::string& name) {
  const std::string out = work / name;
  const t::RunResult r = t::run({t::crashfs_binary(), "replay", trace, "--state",
                                 "process-kill@" + std::to_string(seq), "--out", out, "--base", base});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  return out;
}

// A copy of `dir` as it is now (cp -a keeps owners, modes, links, xattrs).
std::string copy_of(const t::TempDir& work, const std::string& dir, const std::string& name) {
  const std::string out = work / name;
  const t::RunResult r = t::run({"cp", "-a", dir, out});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  return out;
}

std::string prepared(const t::TempDir& work, const std::string& name, int seed) {
  const std::string dir = work / name;
  std::filesystem::create_directories(dir);
  const t::RunResult r = t::run({t::workload("fs_workload"), "prepare", dir, "--seed", std::to_string(seed)});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  return dir;
}

// One seed of the differential test: `ops` operations, snapshots after
// the operations in `at`.
void differential(int seed, int ops, const std::vector<int>& at) {
  t::TempDir work;
  const std::string dir = prepared(work, "rec", seed);
  const std::string shadow = prepared(work, "shadow", seed);
  const std::string snaps = work / "snaps";
  std::filesystem::create_directories(snaps);
  std::string at_list;
  for (int k : at) at_list += (at_list.empty() ? "" : ",") + std::to_string(k);
  const std::string trace = work / "run.trace";
  const t::RunResult rec =
      t::record(dir, trace,
                {t::workload("fs_workload"), "run", dir, "--seed", std::to_string(seed), "--ops", std::to_string(ops),
                 "--shadow", shadow, "--snapshots", snaps, "--at", at_list});
  BOOST_REQUIRE_MESSAGE(rec.exit_code == 0, "seed " << seed << ": " << rec.describe());
  const std::string base = copy_of(work, dir, "base");
  const t::Trace decoded = t::read_trace(trace);
  BOOST_REQUIRE_MESSAGE(decoded.status.is_ok(), decoded.status.message());
  // The last operation named in stdout, per mark, for the messages.
  std::map<std::string, std::string> last_op;
  std::istringstream lines(rec.out);
  for (std::string label, op; lines >> label >> op;) last_op[label] = op;
  for (int k : at) {
    const std::string label = "op-" + std::to_string(k);
    const Seq seq = point_before(decoded, mark_index(decoded, label));
    if (seq == 0) continue;  // nothing changed yet (no crash point): there is no state to replay
    const std::string out = replay(work, trace, seq, base, "replay-" + std::to_string(k));
    const std::string diff = manifest_diff(t::read_file(snaps + "/" + label + ".manifest"), manifest(out));
    BOOST_TEST(diff.empty(), "seed " << seed << ", after operation " << k << " (" << last_op[label]
                                     << ", state process-kill@" << seq << "):\n"
                                     << diff);
    std::filesystem::remove_all(out);
  }
}

// The final process-kill state of a trace.
Seq last_point(const t::Trace& trace) { return point_before(trace, trace.records.size()); }

// Records a python3 script (its working directory is the mount).
t::RunResult record_py(const std::string& dir, const std::string& trace, const std::string& script) {
  return t::record(dir, trace, {"python3", "-c", script});
}

// `manifest` without the lines of `path`.
std::string without(const std::string& manifest, const std::string& path) {
  std::istringstream in(manifest);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (line.rfind(path + " ", 0) != 0) out += line + "\n";
  return out;
}

// scripts/fuzz-fs.sh sets these for long runs.
int env_or(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_workload_states_equal_the_native_tree_after_each_chosen_operation) {
  const int ops = std::max(10, env_or("CRASHFS_FS_OPS", 2000));
  const int first = env_or("CRASHFS_FS_FIRST_SEED", 1);
  const int seeds = env_or("CRASHFS_FS_SEEDS", 20);
  for (int seed = first; seed < first + seeds; ++seed) {
    std::vector<int> at = {1, 2, 3, 10, ops / 4, ops / 2, ops - 1, ops};
    at.push_back(std::min(ops, 1 + (seed * 7919) % ops));
    std::sort(at.begin(), at.end());
    at.erase(std::unique(at.begin(), at.end()), at.end());
    differential(seed, ops, at);
  }
}

BOOST_AUTO_TEST_CASE(several_processes_final_state_equals_the_tree_left_behind) {
  for (int seed : {101, 202}) {
    t::TempDir work;
    const std::string dir = prepared(work, "rec", seed);
    const std::string trace = work / "run.trace";
    const t::RunResult rec = t::record(
        dir, trace, {t::workload("fs_workload"), "run", dir, "--seed", std::to_string(seed), "--ops", "2000", "--procs", "4"});
    BOOST_REQUIRE_MESSAGE(rec.exit_code == 0, rec.describe());
    const std::string base = copy_of(work, dir, "base");
    const t::Trace decoded = t::read_trace(trace);
    BOOST_REQUIRE(decoded.status.is_ok());
    const std::string out = replay(work, trace, last_point(decoded), base, "replayed");
    BOOST_TEST(manifest_diff(manifest(dir), manifest(out)).empty(),
               "seed " << seed << ":\n" << manifest_diff(manifest(dir), manifest(out)));
  }
}

// Issue 11, case 1: renameat2(RENAME_WHITEOUT) leaves a 0/0 character device
// at the old name; the backing file system may give it the inode number of
// a file deleted earlier, whose contents must not come back.
BOOST_AUTO_TEST_CASE(a_whiteout_rename_leaves_a_whiteout_and_never_resurrects_a_deleted_file) {
  t::TempDir work;
  const std::string dir = work / "rec";
  for (int i = 0; i < 20; ++i) t::write_file(dir + "/old" + std::to_string(i), std::string(5000, 'o'));
  t::write_file(dir + "/x", "x-content");
  const std::string trace = work / "run.trace";
  const t::RunResult rec = record_py(dir, trace, R"(
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for i in range(20): os.unlink("old%d" % i)
if libc.renameat2(-100, b"x", -100, b"y", 4) != 0: raise OSError(ctypes.get_errno(), "renameat2")
os.chown("x", 1000, 1000)
os.rename("x", "z")
os.setxattr("z", "trusted.t", b"v", follow_symlinks=False)
)");
  BOOST_REQUIRE_MESSAGE(rec.exit_code == 0, rec.describe());
  const std::string base = copy_of(work, dir, "base");
  const t::Trace decoded = t::read_trace(trace);
  const std::string out = replay(work, trace, last_point(decoded), base, "replayed");
  BOOST_TEST(manifest_diff(manifest(dir), manifest(out)).empty(),
             manifest_diff(manifest(dir), manifest(out)) << "trace:\n" << decoded.text());
  struct stat st {};
  BOOST_REQUIRE(lstat((out + "/z").c_str(), &st) == 0);
  BOOST_TEST(S_ISCHR(st.st_mode));
  BOOST_TEST(st.st_rdev == makedev(0, 0));
  BOOST_TEST(st.st_uid == 1000u);
  BOOST_TEST(t::read_file(out + "/y") == "x-content");
}

// Case 2: a pre-existing hard link, in the state before a write through
// its other name, still holds the old bytes.
BOOST_AUTO_TEST_CASE(a_preexisting_hard_link_shows_the_old_contents_before_a_write_through_the_other_name) {
  t::TempDir work;
  const std::string dir = work / "rec";
  t::write_file(dir + "/a", "old contents\n");
  BOOST_REQUIRE(::link((dir + "/a").c_str(), (dir + "/b").c_str()) == 0);
  const std::string trace = work / "run.trace";
  const t::RunResult rec = record_py(dir, trace, R"(
import os
open("first", "w").close()  # a crash point before the write
os.setxattr(".", "user.crashfs.mark", b"before")
with open("b", "r+") as f: f.write("NEW")
)");
  BOOST_REQUIRE_MESSAGE(rec.exit_code == 0, rec.describe());
  const std::string base = copy_of(work, dir, "base");
  const t::Trace decoded = t::read_trace(trace);
  const std::string out = replay(work, trace, point_before(decoded, mark_index(decoded, "before")), base, "before");
  BOOST_TEST(t::read_file(out + "/a") == "old contents\n");
  BOOST_TEST(t::read_file(out + "/b") == "old contents\n");
  struct stat st {};
  BOOST_REQUIRE(lstat((out + "/a").c_str(), &st) == 0);
  BOOST_TEST(st.st_nlink == 2u);
  const std::string after = replay(work, trace, last_point(decoded), base, "after");
  BOOST_TEST(t::read_file(after + "/a") == "NEW contents\n");
}

// Case 3: link groups and xattrs of entries that existed before recording
// survive in every state, also of entries the workload never looked at.
BOOST_AUTO_TEST_CASE(preexisting_link_groups_and_xattrs_survive_replay) {
  t::TempDir work;
  const std::string dir = prepared(work, "rec", 7);
  const std::string before = manifest(dir);
  const std::string trace = work / "run.trace";
  const t::RunResult rec = record_py(dir, trace, R"(
import os
open("touched", "w").close()
os.setxattr(".", "user.crashfs.mark", b"created")
open("touched", "w").write("x")
)");
  BOOST_REQUIRE_MESSAGE(rec.exit_code == 0, rec.describe());
  const std::string base = copy_of(work, dir, "base");
  const t::Trace decoded = t::read_trace(trace);
  // The state right after the first operation (the create of "touched").
  const std::string first = replay(work, trace, point_before(decoded, mark_index(decoded, "created")), base, "first");
  const std::string replayed = without(manifest(first), "touched");
  BOOST_TEST(manifest_diff(before, replayed).empty(), manifest_diff(before, replayed));
  const std::string last = replay(work, trace, last_point(decoded), base, "last");
  BOOST_TEST(manifest_diff(manifest(dir), manifest(last)).empty(), manifest_diff(manifest(dir), manifest(last)));
  BOOST_TEST(before.find("group=") != std::string::npos);
  BOOST_TEST(before.find("xattr:") != std::string::npos);
}

// Case 4: owners, of created entries and of chown, are replayed.
BOOST_AUTO_TEST_CASE(owners_are_replayed) {
  t::TempDir work;
  const std::string dir = work / "rec";
  t::write_file(dir + "/pre", "p");
  BOOST_REQUIRE(::chown((dir + "/pre").c_str(), 1234, 2345) == 0);
  const std::string trace = work / "run.trace";
  const t::RunResult rec = record_py(dir, trace, R"(
import os
open("f", "w").write("x")
os.chown("f", 1000, 1001)
os.mkdir("d")
os.chown("d", 1002, 1003)
os.symlink("f", "s")
os.chown("s", 1004, 1005, follow_symlinks=False)
)");
  BOOST_REQUIRE_MESSAGE(rec.exit_code == 0, rec.describe());
  const std::string base = copy_of(work, dir, "base");
  const t::Trace decoded = t::read_trace(trace);
  const std::string out = replay(work, trace, last_point(decoded), base, "replayed");
  BOOST_TEST(manifest_diff(manifest(dir), manifest(out)).empty(), manifest_diff(manifest(dir), manifest(out)));
  struct stat st {};
  BOOST_REQUIRE(lstat((out + "/f").c_str(), &st) == 0);
  BOOST_TEST(st.st_uid == 1000u);
  BOOST_TEST(st.st_gid == 1001u);
  BOOST_REQUIRE(lstat((out + "/pre").c_str(), &st) == 0);
  BOOST_TEST(st.st_uid == 1234u);
  BOOST_TEST(st.st_gid == 2345u);
}

// Case 5: hard links between symlinks stay one inode.
BOOST_AUTO_TEST_CASE(hard_links_of_symlinks_stay_one_inode) {
  t::TempDir work;
  const std::string dir = work / "rec";
  std::filesystem::create_directories(dir);
  BOOST_REQUIRE(::symlink("target-a", (dir + "/pre").c_str()) == 0);
  BOOST_REQUIRE(::link((dir + "/pre").c_str(), (dir + "/pre2").c_str()) == 0);
  const std::string trace = work / "run.trace";
  const t::RunResult rec = record_py(dir, trace, R"(
import os
os.symlink("target-b", "s")
os.link("s", "s2", follow_symlinks=False)
)");
  BOOST_REQUIRE_MESSAGE(rec.exit_code == 0, rec.describe());
  const std::string base = copy_of(work, dir, "base");
  const t::Trace decoded = t::read_trace(trace);
  const std::string out = replay(work, trace, last_point(decoded), base, "replayed");
  for (const char* name : {"s", "pre"}) {
    struct stat a {};
    struct stat b {};
    BOOST_REQUIRE(lstat((out + "/" + name).c_str(), &a) == 0);
    BOOST_REQUIRE(lstat((out + "/" + name + "2").c_str(), &b) == 0);
    BOOST_TEST(S_ISLNK(a.st_mode));
    BOOST_TEST(a.st_ino == b.st_ino, name << " and " << name << "2 are separate inodes");
    BOOST_TEST(a.st_nlink == 2u);
  }
}

// Case 6: device nodes, sockets, fifos and set-user/group-id bits are
// replayed (crashfs replay runs as root here).
BOOST_AUTO_TEST_CASE(special_files_and_set_id_bits_are_replayed) {
  t::TempDir work;
  const std::string dir = work / "rec";
  t::write_file(dir + "/pre-suid", "p");
  BOOST_REQUIRE(::chmod((dir + "/pre-suid").c_str(), 04755) == 0);
  BOOST_REQUIRE(::mknod((dir + "/pre-chr").c_str(), S_IFCHR | 0600, makedev(1, 5)) == 0);
  const std::string trace = work / "run.trace";
  const t::RunResult rec = record_py(dir, trace, R"(
import os, stat
os.mknod("chr", stat.S_IFCHR | 0o640, os.makedev(1, 3))
os.mknod("blk", stat.S_IFBLK | 0o600, os.makedev(7, 9))
os.mknod("sock", stat.S_IFSOCK | 0o755)
os.mkfifo("fifo", 0o644)
open("suid", "w").write("s")
os.chmod("suid", 0o4755)
open("sgid", "w").write("g")
os.chmod("sgid", 0o2750)
os.mkdir("d")
os.chmod("d", 0o3775)
)");
  BOOST_REQUIRE_MESSAGE(rec.exit_code == 0, rec.describe());
  const std::string base = copy_of(work, dir, "base");
  const t::Trace decoded = t::read_trace(trace);
  const std::string out = replay(work, trace, last_point(decoded), base, "replayed");
  BOOST_TEST(manifest_diff(manifest(dir), manifest(out)).empty(), manifest_diff(manifest(dir), manifest(out)));
  struct stat st {};
  BOOST_REQUIRE(lstat((out + "/chr").c_str(), &st) == 0);
  BOOST_TEST(S_ISCHR(st.st_mode));
  BOOST_TEST(st.st_rdev == makedev(1, 3));
  BOOST_REQUIRE(lstat((out + "/sock").c_str(), &st) == 0);
  BOOST_TEST(S_ISSOCK(st.st_mode));
  BOOST_REQUIRE(lstat((out + "/suid").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 04755u);
  BOOST_REQUIRE(lstat((out + "/pre-chr").c_str(), &st) == 0);
  BOOST_TEST(st.st_rdev == makedev(1, 5));
}
