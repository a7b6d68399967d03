// StateTree (host/state_tree.h): a scratch tree moved from crash state to
// crash state by writing differences holds, after every move, exactly what
// writing that state whole into a fresh directory gives (the reference:
// write_state_to_disk, as `crashfs replay` does), whatever a command did to
// the tree in between: contents changed in place at the same size, modes,
// xattrs, times, stray files, removed files, renamed directories, a file
// copied from the base changed, the directory itself removed.  Compared
// field by field: type, mode, owner, size, mtime, content, symlink target,
// xattrs and which names are hard links of one inode.
#include "tests/common/harness.h"

#include <sys/xattr.h>

#include <functional>
#include <set>

#include <fmt/format.h>

#include "core/explorer.h"
#include "core/image_view.h"
#include "core/trace_builder.h"
#include "host/beneath.h"
#include "host/replay_to_disk.h"
#include "host/scratch_dir.h"
#include "host/state_tree.h"

namespace t = crashfs::test;
using namespace crashfs;
using host::StateTree;

namespace {

// Everything write_tree promises about a tree, one line per entry.
std::string fingerprint(const std::string& root) {
  std::map<std::string, std::string> lines;
  std::map<ino_t, std::string> first_name;
  std::function<void(const std::string&)> walk = [&](const std::string& rel) {
    const std::string dir = rel.empty() ? root : root + "/" + rel;
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      const std::string r = rel.empty() ? name : rel + "/" + name;
      const std::string p = root + "/" + r;
      struct stat st {};
      BOOST_REQUIRE(lstat(p.c_str(), &st) == 0);
      std::string line = fmt::format("{:o} {}:{} mtime={}.{:09}", st.st_mode, st.st_uid, st.st_gid, st.st_mtim.tv_sec,
                                     st.st_mtim.tv_nsec);
      if (S_ISREG(st.st_mode)) line += fmt::format(" size={} content={}", st.st_size, hash_bytes(t::read_file(p)).hex());
      if (S_ISLNK(st.st_mode)) line += " -> " + std::filesystem::read_symlink(p).string();
      if (!S_ISDIR(st.st_mode)) {
        auto [it, first] = first_name.emplace(st.st_ino, r);
        line += fmt::format(" nlink={}", st.st_nlink);
        if (!first) line += " link-of=" + it->second;
      }
      char keys[4096];
      const ssize_t n = llistxattr(p.c_str(), keys, sizeof keys);
      std::set<std::string> xattrs;
      for (ssize_t i = 0; i < n; i += static_cast<ssize_t>(std::strlen(keys + i)) + 1) {
        char value[4096];
        const ssize_t v = lgetxattr(p.c_str(), keys + i, value, sizeof value);
        xattrs.insert(std::string(keys + i) + "=" + std::string(value, v > 0 ? static_cast<std::size_t>(v) : 0));
      }
      for (const std::string& x : xattrs) line += " xattr:" + x;
      lines[r] = line;
      if (S_ISDIR(st.st_mode)) walk(r);
    }
  };
  struct stat st {};
  BOOST_REQUIRE(stat(root.c_str(), &st) == 0);
  lines["."] = fmt::format("{:o} mtime={}.{:09}", st.st_mode, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  walk("");
  std::string out;
  for (const auto& [rel, line] : lines) out += rel + " " + line + "\n";
  return out;
}

// The final tree of the recorded directory: what the trace's Known
// entries name and the entries it never mentions (copied from here).
void make_base(const std::string& dir) {
  std::filesystem::create_directories(dir + "/pre/sub");
  t::write_file(dir + "/pre/known.txt", "known, then rewritten by the run");
  t::write_file(dir + "/pre/untouched.txt", "never looked up by the workload");
  t::write_file(dir + "/pre/sub/deep.txt", "deep and untouched");
  std::filesystem::create_symlink("untouched.txt", dir + "/pre/link");
}

// A workload that does a bit of everything replay writes.
TraceBuilder rich_trace(const std::string& base) {
  TraceBuilder b(base);
  b.existing_dir("pre").existing_file("pre/known.txt", "known at the start");
  b.mkdir("d").create("d/a").append("d/a", std::string(5000, 'a')).append("d/a", "tail");
  b.link("d/a", "d/a-link");
  b.symlink("d/s", "a");
  b.mknod("d/fifo", 010600);
  b.setxattr("d/a", "user.tag", "one");
  b.fsync("d/a").fsyncdir("d");
  b.write("pre/known.txt", 0, "KNOWN");
  b.chmod("d/a", 0100600);
  b.set_mtime("d/a", 1'500'000'000'123'456'789);
  b.mkdir("d/e").create("d/e/x").append("d/e/x", "x1");
  b.rename("d/e", "d/f");
  b.create("tmp").append("tmp", std::string(9000, 't')).rename("tmp", "d/a");
  b.unlink("d/a-link");
  b.truncate("d/f/x", 1);
  b.setxattr("d/f/x", "user.tag", "two");
  b.create("pre/new.txt").append("pre/new.txt", "new in a pre-existing directory");
  b.unlink("d/fifo");
  b.unlink("d/f/x").rmdir("d/f");
  return b;
}

// What a command run on the tree might do to it, by state number.
void mischief(const std::string& root, std::size_t i) {
  auto first_file = [&]() -> std::string {
    for (const auto& e : std::filesystem::recursive_directory_iterator(root))
      if (e.is_regular_file() && !e.is_symlink()) return e.path().string();
    return {};
  };
  const std::string f = first_file();
  switch (i % 12) {
    case 1:
      if (!f.empty()) {  // same size, in place: only ctime tells
        const int fd = open(f.c_str(), O_WRONLY);
        BOOST_REQUIRE(fd >= 0);
        BOOST_REQUIRE(pwrite(fd, "!", 1, 0) == 1);
        close(fd);
      }
      break;
    case 2:
      if (!f.empty()) chmod(f.c_str(), 0777);
      break;
    case 3:
      t::write_file(root + "/stray", "left by the command");
      std::filesystem::create_directories(root + "/straydir/inner");
      break;
    case 4:
      if (!f.empty()) unlink(f.c_str());
      break;
    case 5:
      if (std::filesystem::exists(root + "/d")) std::filesystem::rename(root + "/d", root + "/moved");
      break;
    case 6:
      if (!f.empty()) setxattr(f.c_str(), "user.cmd", "x", 1, 0);
      break;
    case 7: {
      const struct timespec times[2] = {{0, UTIME_OMIT}, {12345, 0}};
      utimensat(AT_FDCWD, (root + "/pre").c_str(), times, 0);
      break;
    }
    case 8:
      if (std::filesystem::exists(root + "/pre/sub/deep.txt")) {
        std::ofstream(root + "/pre/sub/deep.txt", std::ios::app) << "changed";
      }
      break;
    case 9:
      if (std::filesystem::exists(root + "/d/a-link")) {  // a link replaced by a copy
        t::write_file(root + "/d/copy", t::read_file(root + "/d/a-link"));
        std::filesystem::rename(root + "/d/copy", root + "/d/a-link");
      }
      break;
    case 10:
      std::filesystem::remove_all(root);
      break;
    case 11:
      if (!f.empty()) truncate(f.c_str(), 0);
      break;
    default:
      break;
  }
}

// On tmpfs where there is one, as the command runner's trees are (the
// many small files of every state are slow to remove on a disk).
struct ScratchRoot {
  host::ScratchDir scratch;
  ScratchRoot() { BOOST_REQUIRE(scratch.create("state-tree-test").is_ok()); }
  std::string operator/(std::string_view rel) const { return scratch.path() + "/" + std::string(rel); }
};

struct Fixture {
  ScratchRoot dir;
  std::string base = dir / "base";
  TraceBuilder builder = (make_base(base), rich_trace(base));
  Trace trace = builder.build();
  MemoryBaseContent content = builder.base();
  Explorer explorer{trace, &content};
  host::Fd base_fd{open(base.c_str(), O_RDONLY | O_DIRECTORY)};

  host::TreeSource source() {
    host::TreeSource s;
    s.builder = &explorer.builder();
    s.base_fd = base_fd.get();
    return s;
  }

  // Every distinct state under process-kill and posix, in exploration order.
  std::vector<FsImage> states() {
    std::vector<FsImage> out;
    ExploreOptions options;
    options.models = {ModelKind::kProcessKill, ModelKind::kPosix};
    explorer.explore(options, [&](const ExploredState& s) {
      out.push_back(static_cast<const ImageView&>(*s.state()).image());
    });
    return out;
  }

  std::string whole(const FsImage& image, std::size_t i) {
    host::ReplayOptions options;
    options.out_dir = dir / fmt::format("whole-{}", i);
    options.base_fd = base_fd.get();
    host::ReplayStats stats;
    const Status st = host::write_state_to_disk(explorer.builder(), image, options, stats);
    BOOST_REQUIRE_MESSAGE(st.is_ok(), st.message());
    const std::string print = fingerprint(options.out_dir);
    std::filesystem::remove_all(options.out_dir);
    return print;
  }
};

// Moves one tree through every state, with or without a command's changes
// in between, and checks each against the state written whole.
// `stride` > 1 takes every stride-th state only (a coarse clock waits up
// to a clock tick per state).
void follow_every_state(StateTree::ChangeClock clock, bool with_mischief, std::size_t stride = 1) {
  Fixture fx;
  const std::vector<FsImage> states = fx.states();
  BOOST_REQUIRE_GT(states.size(), 30u);
  host::TreeSource source = fx.source();
  StateTree tree(source, clock);
  BOOST_REQUIRE(tree.create(fx.dir / "tree").is_ok());
  std::uint64_t written = 0, kept = 0;
  for (std::size_t i = 0, step = 0; i < states.size(); i += stride, ++step) {
    host::ReplayStats stats;
    const Status st = tree.sync(states[i], stats);
    BOOST_REQUIRE_MESSAGE(st.is_ok(), st.message());
    BOOST_TEST_CONTEXT("state " << i) { BOOST_TEST(fingerprint(tree.path()) == fx.whole(states[i], i)); }
    written += stats.files + stats.symlinks + stats.hard_links + stats.copied_from_base;
    kept += stats.kept;
    if (with_mischief) mischief(tree.path(), step);
  }
  // Without a command changing it, the tree moves by differences: most
  // entries stay in place (with kNone every state is written whole).
  if (!with_mischief && clock != StateTree::ChangeClock::kNone) BOOST_TEST(kept > 2 * written);
  if (clock == StateTree::ChangeClock::kNone) BOOST_TEST(kept == 0u);
}

StateTree::ChangeClock this_kernels_clock() {
  ScratchRoot dir;
  host::Fd fd(open(dir.scratch.path().c_str(), O_RDONLY | O_DIRECTORY));
  return host::probe_change_clock(fd.get());
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_tree_moved_by_differences_equals_each_state_written_whole) {
  follow_every_state(this_kernels_clock(), false);
}

BOOST_AUTO_TEST_CASE(what_a_command_changed_in_the_tree_is_gone_at_the_next_state) {
  follow_every_state(this_kernels_clock(), true);
}

// The coarse-clock path (kernels without multigrain timestamps) waits for
// the clock to tick past its writes; it must hold on any kernel.
BOOST_AUTO_TEST_CASE(with_a_coarse_clock_a_command_change_in_the_same_tick_is_still_seen) {
  follow_every_state(StateTree::ChangeClock::kCoarse, true, 5);
}

BOOST_AUTO_TEST_CASE(without_a_usable_ctime_every_state_is_written_whole) {
  follow_every_state(StateTree::ChangeClock::kNone, true);
}

// tmpfs on this kernel (6.13+) hands out fine-grained ctimes; a probe that
// says otherwise would silently fall back to slower modes.
BOOST_AUTO_TEST_CASE(the_probe_finds_a_clock_that_sees_every_change) {
  const StateTree::ChangeClock clock = this_kernels_clock();
  BOOST_TEST((clock == StateTree::ChangeClock::kFineGrained || clock == StateTree::ChangeClock::kCoarse));
}
