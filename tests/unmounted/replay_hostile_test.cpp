// `crashfs replay` and `crashfs explore` on hand-made traces: states land in
// the target directory and nowhere else, whatever names the trace holds;
// errors leave nothing half-made and exit with the documented codes.
#include "tests/common/harness.h"

#include <unistd.h>

#include "core/trace_builder.h"

namespace t = crashfs::test;
using crashfs::NodeId;
using crashfs::Record;
using crashfs::RecordType;
using crashfs::TraceBuilder;

namespace {

std::string write_trace(const t::TempDir& dir, const TraceBuilder& b, const std::string& name = "state.trace") {
  const std::string path = dir / name;
  t::write_file(path, b.encode());
  return path;
}

t::RunResult replay(const std::string& trace, const std::string& id, const std::string& out,
                    std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {t::crashfs_binary(), "replay", trace, "--state", id, "--out", out};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return t::run(argv);
}

t::RunResult explore(std::vector<std::string> args) {
  args.insert(args.begin(), {t::crashfs_binary(), "explore"});
  return t::run(args);
}

std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A trace whose last operation creates an entry with a raw, unchecked name.
TraceBuilder with_entry_named(const std::string& base_dir, std::string_view name) {
  TraceBuilder b(base_dir);
  b.create("fine").append("fine", "ok");
  Record rec;
  rec.type = RecordType::kCreate;
  rec.node = 500;
  rec.parent = crashfs::kRootNode;
  rec.name = b.keep(name);
  rec.mode = 0100644;
  b.add(rec);
  Record w;
  w.type = RecordType::kWrite;
  w.node = 500;
  w.data = b.keep("pwned");
  b.add(w);
  return b;
}

}  // namespace

BOOST_AUTO_TEST_CASE(final_process_kill_state_equals_the_tree_the_run_left) {
  t::TempDir work;
  const std::string rec = work / "rec";
  // The recorded directory as the run left it.
  t::write_file(rec + "/untouched/deep.txt", "never looked up");
  t::write_file(rec + "/conf", "new conf");
  t::write_file(rec + "/data/log", "entry1entry2");
  t::write_file(rec + "/kept", "pre-existing, unchanged");
  BOOST_REQUIRE(::symlink("conf", (rec + "/conf.link").c_str()) == 0);
  BOOST_REQUIRE(::link((rec + "/data/log").c_str(), (rec + "/log.hard").c_str()) == 0);
  TraceBuilder b(rec);
  b.existing_file("conf", "old conf").existing_file("kept", "pre-existing, unchanged")
      .create("conf.tmp").append("conf.tmp", "new conf").fsync("conf.tmp").rename("conf.tmp", "conf")
      .mkdir("data").create("data/log").append("data/log", "entry1").append("data/log", "entry2")
      .link("data/log", "log.hard").symlink("conf.link", "conf").fsyncdir("");
  const std::string trace = write_trace(work, b, "run.trace");
  const std::string out = work / "out";
  const t::RunResult r = replay(trace, "process-kill@" + std::to_string(b.last_seq()), out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  BOOST_TEST(t::compare_trees(rec, out) == "");
  struct stat a {}, c {};
  BOOST_REQUIRE(::stat((out + "/data/log").c_str(), &a) == 0);
  BOOST_REQUIRE(::stat((out + "/log.hard").c_str(), &c) == 0);
  BOOST_TEST(a.st_ino == c.st_ino);  // the hard link is one
  // --known-only leaves out what the trace never mentioned.
  const std::string known = work / "known";
  BOOST_REQUIRE(replay(trace, "process-kill@" + std::to_string(b.last_seq()), known, {"--known-only"}).exit_code == 0);
  BOOST_TEST(!std::filesystem::exists(known + "/untouched"));
  BOOST_TEST(t::read_file(known + "/kept") == "pre-existing, unchanged");
}

BOOST_AUTO_TEST_CASE(a_posix_state_writes_the_zero_filled_file_it_describes) {
  t::TempDir work;
  const std::string rec = work / "rec";
  std::filesystem::create_directories(rec);
  TraceBuilder b(rec);
  b.create("m.pyc.tmp").append("m.pyc.tmp", std::string(5000, 'P'));
  const std::string write = std::to_string(b.last_seq());
  b.rename("m.pyc.tmp", "m.pyc");
  const std::string trace = write_trace(work, b);
  const std::string out = work / "out";
  const t::RunResult r = replay(trace, "posix@" + std::to_string(b.last_seq()) + "-z" + write, out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  BOOST_TEST(t::read_file(out + "/m.pyc") == std::string(5000, '\0'));
  BOOST_TEST(r.out.find("zeroed #" + write) != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(hostile_names_stop_the_replay_before_anything_is_written) {
  t::TempDir work;
  const std::string escape = "/tmp/crashfs-hostile-" + std::to_string(::getpid());
  for (const std::string& name : {std::string(".."), std::string("a/b"), escape, std::string(""), std::string("."),
                                  std::string("x\0y", 3)}) {
    BOOST_TEST_CONTEXT("name '" << name << "'") {
      const std::string trace = write_trace(work, with_entry_named(work.path(), name));
      const auto before = listing(work.path());
      const std::string out = work / "out";
      const t::RunResult r = replay(trace, "process-kill@7", out, {"--known-only"});
      BOOST_TEST(r.exit_code == 3, r.describe());
      BOOST_TEST(r.err.find("not a valid file name") != std::string::npos, r.err);
      BOOST_TEST(!std::filesystem::exists(out));
      BOOST_TEST(listing(work.path()) == before);  // no temporary left behind
      BOOST_TEST(!std::filesystem::exists(escape));
      BOOST_TEST(!std::filesystem::exists(work.path() + "/pwned"));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_write_through_a_symlink_to_root_goes_nowhere) {
  t::TempDir work;
  const std::string victim = "crashfs-escape-" + std::to_string(::getpid());
  TraceBuilder b(work.path());
  b.symlink("link", "/");
  const NodeId link = b.node("link");
  Record create;
  create.type = RecordType::kCreate;
  create.node = 600;
  create.parent = link;  // "link/<victim>": through the symlink
  create.name = b.keep(victim);
  create.mode = 0100644;
  b.add(create);
  Record write;
  write.type = RecordType::kWrite;
  write.node = 600;
  write.data = b.keep("escaped");
  b.add(write);
  const std::string trace = write_trace(work, b);
  const std::string out = work / "out";
  const t::RunResult r = replay(trace, "posix@" + std::to_string(b.last_seq()), out, {"--known-only"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  BOOST_TEST(std::filesystem::is_symlink(out + "/link"));
  BOOST_TEST(std::filesystem::read_symlink(out + "/link") == "/");
  BOOST_TEST(!std::filesystem::exists("/" + victim));
  BOOST_TEST(listing(out) == std::vector<std::string>{"link"});
}

BOOST_AUTO_TEST_CASE(symlinks_in_the_base_are_never_followed) {
  t::TempDir work;
  const std::string rec = work / "rec";
  const std::string outside = work / "outside";
  t::write_file(outside + "/secret", "do not copy");
  std::filesystem::create_directories(rec);
  BOOST_REQUIRE(::symlink(outside.c_str(), (rec + "/evil").c_str()) == 0);
  // The trace claims "evil" is a directory; its untouched entries would be
  // copied from the base, where "evil" is a symlink out of it.
  TraceBuilder b(rec);
  b.existing_dir("evil").create("fine");
  const std::string trace = write_trace(work, b, "a.trace");
  const std::string out = work / "out";
  const t::RunResult r = replay(trace, "process-kill@" + std::to_string(b.last_seq()), out);
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  BOOST_TEST(!std::filesystem::exists(out + "/evil/secret"));
  // And a known file under it cannot be read through the symlink either.
  TraceBuilder b2(rec);
  b2.existing_dir("evil").existing_file("evil/secret", "do not copy").create("fine");
  const std::string trace2 = write_trace(work, b2, "b.trace");
  const std::string out2 = work / "out2";
  const t::RunResult r2 = replay(trace2, "process-kill@" + std::to_string(b2.last_seq()), out2);
  BOOST_TEST(r2.exit_code == 3, r2.describe());
  BOOST_TEST(r2.err.find("evil/secret") != std::string::npos, r2.err);
  BOOST_TEST(!std::filesystem::exists(out2));
}

BOOST_AUTO_TEST_CASE(bad_ids_targets_and_traces_get_clear_errors) {
  t::TempDir work;
  TraceBuilder b(work.path());
  b.create("f").append("f", "data");
  const std::string trace = write_trace(work, b);
  const std::string out = work / "out";
  t::RunResult r = replay(trace, "posix@4-q", out, {"--known-only"});
  BOOST_TEST(r.exit_code == 2, r.describe());
  BOOST_TEST(r.err.find("bad state id") != std::string::npos, r.err);
  r = replay(trace, "posix@999", out, {"--known-only"});
  BOOST_TEST(r.exit_code == 2, r.describe());
  BOOST_TEST(r.err.find("no operation 999") != std::string::npos, r.err);
  t::write_file(out + "/precious", "keep me");
  r = replay(trace, "posix@5", out, {"--known-only"});
  BOOST_TEST(r.exit_code == 2, r.describe());
  BOOST_TEST(r.err.find("not an empty directory") != std::string::npos, r.err);
  BOOST_TEST(t::read_file(out + "/precious") == "keep me");
  // Damage in the middle of the trace: named by offset, exit 3.
  std::string bytes = b.encode();
  bytes[bytes.size() / 2] ^= 0x5a;
  t::write_file(work / "damaged.trace", bytes);
  r = replay(work / "damaged.trace", "posix@5", work / "out3", {"--known-only"});
  BOOST_TEST(r.exit_code == 3, r.describe());
  BOOST_TEST(r.err.find("offset") != std::string::npos, r.err);
  r = explore({work / "damaged.trace"});
  BOOST_TEST(r.exit_code == 3, r.describe());
  BOOST_TEST(r.err.find("offset") != std::string::npos, r.err);
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"--model", "ext5"}, {"--shard", "3/2"}, {"--shard", "x"}, {"--sector", "1000"}, {"--max-states", "0"}}) {
    std::vector<std::string> args{trace};
    args.insert(args.end(), bad.begin(), bad.end());
    r = explore(args);
    BOOST_TEST(r.exit_code == 2, bad[0] << ": " << r.describe());
    BOOST_TEST(r.err.find(bad[0].substr(2)) != std::string::npos, r.err);
  }
}

BOOST_AUTO_TEST_CASE(explore_lists_states_that_replay_accepts) {
  t::TempDir work;
  TraceBuilder b(work.path());
  b.create("a.tmp").append("a.tmp", std::string(6000, 'x')).rename("a.tmp", "a").fsyncdir("");
  const std::string trace = write_trace(work, b);
  const t::RunResult r = explore({trace, "--model", "posix", "--model", "ext4-ordered", "--list"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  BOOST_TEST(r.out.find("ext4-ordered") != std::string::npos);
  BOOST_TEST(r.out.find("generated") != std::string::npos);  // the summary
  std::istringstream lines(r.out);
  std::string line;
  int replayed = 0;
  while (std::getline(lines, line) && replayed < 40) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const std::string out = work / ("s" + std::to_string(replayed++));
    const t::RunResult rr = replay(trace, line.substr(0, tab), out, {"--known-only"});
    BOOST_TEST(rr.exit_code == 0, line << "\n" << rr.describe());
  }
  BOOST_TEST(replayed > 10);
}
