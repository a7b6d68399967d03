// The sqlite checker writes nothing to disk (issue 15, "sqlite without
// copies"): it judges crash states that need SQLite's recovery (a hot
// journal rolled back, WAL frames replayed) with
//   - not one write(2)-family system call by this process (/proc/self/io
//     syscw), so no file, scratch or temporary, was written anywhere;
//   - nothing left in an empty TMPDIR, and nothing new in /dev/shm;
//   - no file operation through the default VFS (a counting VFS is made the
//     default before the checker's first use: every file SQLite opened,
//     probed or deleted went through the in-memory VFS).
// It needs no host service either: make_sqlite_checker takes none, and
// checkers/ does not include host/ (tests/layering).
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "checkers/sqlite_checker.h"
#include "tests/unmounted/sqlite_crash_states.h"

using namespace crashfs;
using namespace crashfs::test;

namespace {

class NoVersions : public VersionHistory {
 public:
  bool was_complete(std::string_view, const ContentHash&, Seq) const override { return true; }
};

// This process's write system calls so far.
long write_syscalls() {
  std::ifstream in("/proc/self/io");
  std::string key;
  long value = 0;
  while (in >> key >> value)
    if (key == "syscw:") return value;
  throw std::runtime_error("no syscw in /proc/self/io");
}

std::set<std::string> listing(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.insert(e.path().filename().string());
  return out;
}

// A default VFS that counts the file operations it is asked for and passes
// everything to unix.
namespace counting {
namespace pass = unix_passthrough;
int files = 0;
int open(sqlite3_vfs* v, sqlite3_filename n, sqlite3_file* f, int fl, int* out) { ++files; return pass::open(v, n, f, fl, out); }
int remove(sqlite3_vfs* v, const char* n, int s) { ++files; return pass::remove(v, n, s); }
int access(sqlite3_vfs* v, const char* n, int fl, int* out) { ++files; return pass::access(v, n, fl, out); }
int full(sqlite3_vfs* v, const char* n, int sz, char* out) { ++files; return pass::full(v, n, sz, out); }

void make_default() {
  static sqlite3_vfs vfs = pass::make("crashfs-test-counting");
  vfs.xOpen = open;
  vfs.xDelete = remove;
  vfs.xAccess = access;
  vfs.xFullPathname = full;
  BOOST_REQUIRE_EQUAL(sqlite3_vfs_register(&vfs, /*makeDflt=*/1), SQLITE_OK);
}
}  // namespace counting

}  // namespace

BOOST_AUTO_TEST_CASE(the_sqlite_checker_recovers_crash_states_without_writing_to_disk) {
  // Before any use of the in-memory VFS: it takes the default VFS of its
  // first use for randomness and time.
  counting::make_default();
  // The states: a rollback journal spilled into the database before COMMIT
  // (hot journals) and a WAL with committed frames.
  std::vector<CrashState> states;
  for (const std::string pragmas : {"PRAGMA journal_mode=DELETE; PRAGMA cache_size=2",
                                    "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0"}) {
    TempDir dir;
    std::string insert = "BEGIN;";
    for (int i = 0; i < 40; ++i) insert += "INSERT INTO t(v) VALUES(printf('%0300d', " + std::to_string(i) + "));";
    const auto got = record_sqlite(dir.path(), "app.db",
                                   {pragmas, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", insert + "COMMIT;",
                                    "UPDATE t SET v = upper(v) || 'x' WHERE id % 2 = 0"});
    states.insert(states.end(), got.begin(), got.end());
  }
  // In memory too: which of them SQLite must recover.
  int rollbacks = 0, wal_states = 0;
  for (const CrashState& s : states) {
    if (!s.files.contains("app.db")) continue;
    rollbacks += read_in_memory(s.files, "/nowhere", "app.db").wrote_db;
    wal_states += s.files.contains("app.db-wal") && s.files.at("app.db-wal").size() > 32;
  }
  BOOST_TEST_REQUIRE(rollbacks > 0);
  BOOST_TEST_REQUIRE(wal_states > 0);

  std::vector<MemoryState> memory_states;
  for (const CrashState& s : states) memory_states.push_back(state_of(s.files));

  TempDir tmp;
  BOOST_REQUIRE_EQUAL(setenv("TMPDIR", tmp.path().c_str(), 1), 0);
  const std::set<std::string> shm_before = listing("/dev/shm");
  counting::files = 0;

  // A new checker: its cache is empty, every distinct state is opened.
  auto checker = make_sqlite_checker({});
  NoVersions versions;
  std::vector<Violation> out;
  const long writes_before = write_syscalls();
  for (const MemoryState& state : memory_states) checker->check(CheckContext{state, state, versions, 10, nullptr, 0, {}}, out);
  const long writes_after = write_syscalls();

  BOOST_TEST(writes_after - writes_before == 0);
  BOOST_TEST(counting::files == 0);
  BOOST_TEST(listing(tmp.path()).empty());
  BOOST_TEST(listing("/dev/shm") == shm_before, boost::test_tools::per_element());
  BOOST_TEST(checker->units_judged().value_or(0) > 0);
}
