// `crashfs view`: a crash state mounted read-only must show exactly what
// `crashfs replay` writes for it (the independent reference here is the
// replayed directory on disk, compared with diff -r, modes, symlink
// targets and hard-link groups), for every state of a small trace, and
// refuse writes with EROFS.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/integration/mounted.h"

using namespace crashfs::test;

namespace {

// Paths grouped by inode: "a=b" for hard links (compared across trees).
std::string link_groups(const std::string& root) {
  std::map<ino_t, std::vector<std::string>> by_ino;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    struct stat st {};
    if (::lstat(e.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    by_ino[st.st_ino].push_back(std::filesystem::relative(e.path(), root).string() + ":" + std::to_string(st.st_nlink));
  }
  std::vector<std::string> groups;
  for (auto& [ino, paths] : by_ino) {
    std::sort(paths.begin(), paths.end());
    std::string g;
    for (const auto& p : paths) g += (g.empty() ? "" : "=") + p;
    groups.push_back(g);
  }
  std::sort(groups.begin(), groups.end());
  std::string out;
  for (const auto& g : groups) out += g + "\n";
  return out;
}

// A workload touching every kind of entry, over a directory that already
// holds an untouched file, an untouched subtree and a file it changes.
void record_small_trace(const TempDir& t) {
  write_file(t / "work/untouched.txt", "left alone\n");
  write_file(t / "work/tree/deep/keep.bin", std::string(5000, 'k'), 0600);
  write_file(t / "work/changed.txt", "old contents\n");
  const RunResult r = record(t / "work", t / "v.trace",
                             {"sh", "-c",
                              "printf new > changed.txt && mkdir -p d/e && printf 'hello world' > d/e/f && "
                              "sync d/e/f && ln d/e/f hard && ln -s d/e/f sym && chmod 751 d && "
                              "printf tmp > t.tmp && mv t.tmp final && "
                              "head -c 9000 /dev/zero | tr '\\0' z > big && sync big"});
  BOOST_TEST_REQUIRE(r.exit_code == 0, r.describe());
}

std::vector<std::string> state_ids(const TempDir& t) {
  std::vector<std::string> ids;
  for (const char* model : {"process-kill", "posix"}) {
    const RunResult r = run({crashfs_binary(), "explore", t / "v.trace", "--model", model, "--list", "--json"});
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.describe());
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("id")) ids.push_back(j["id"]);
    }
  }
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_state_viewed_equals_its_replay_and_the_view_is_read_only) {
  TempDir t;
  record_small_trace(t);
  const std::vector<std::string> ids = state_ids(t);
  BOOST_TEST_REQUIRE(ids.size() > 10u);
  std::filesystem::create_directories(t / "mnt");
  int compared = 0;
  for (const std::string& id : ids) {
    BOOST_TEST_CONTEXT("state " << id) {
      const std::string out = t / ("replay-" + std::to_string(compared));
      const RunResult rep = run({crashfs_binary(), "replay", t / "v.trace", "--state", id, "--out", out});
      BOOST_TEST_REQUIRE(rep.exit_code == 0, rep.describe());
      Daemon view(t / "run", t / "mnt", {"view", t / "v.trace", "--state", id, t / "mnt"});
      BOOST_TEST_REQUIRE(view.started.exit_code == 0, view.started.describe());
      BOOST_TEST(compare_trees(out, t / "mnt") == "");
      const RunResult diff = run({"diff", "-r", "--no-dereference", out, t / "mnt"});
      BOOST_TEST(diff.exit_code == 0, diff.describe());
      BOOST_TEST(link_groups(out) == link_groups(t / "mnt"));
      // Read-only: no create, no write, no remove, no chmod.
      errno = 0;
      BOOST_TEST(::open((t / "mnt/new").c_str(), O_WRONLY | O_CREAT, 0644) == -1);
      BOOST_TEST(errno == EROFS);
      if (std::filesystem::exists(t / "mnt/untouched.txt")) {
        errno = 0;
        BOOST_TEST(::open((t / "mnt/untouched.txt").c_str(), O_WRONLY) == -1);
        BOOST_TEST(errno == EROFS);
        errno = 0;
        BOOST_TEST(::unlink((t / "mnt/untouched.txt").c_str()) == -1);
        BOOST_TEST(errno == EROFS);
      }
      errno = 0;
      BOOST_TEST(::mkdir((t / "mnt/x").c_str(), 0755) == -1);
      BOOST_TEST(errno == EROFS);
      const RunResult u = view.unmount();
      BOOST_TEST_REQUIRE(u.exit_code == 0, u.describe());
      BOOST_TEST_REQUIRE(!is_mounted(t / "mnt"));
      std::filesystem::remove_all(out);
      ++compared;
    }
  }
  BOOST_TEST(compared == static_cast<int>(ids.size()));
}

BOOST_AUTO_TEST_CASE(view_refuses_an_unknown_state_without_mounting) {
  TempDir t;
  record_small_trace(t);
  std::filesystem::create_directories(t / "mnt");
  MountGuard guard(t / "mnt");
  const RunResult r = crashfs_cmd(t / "run", {"view", t / "v.trace", "--state", "posix@99999", t / "mnt"});
  BOOST_TEST(r.exit_code == 2, r.describe());
  BOOST_TEST(!is_mounted(t / "mnt"));
}
