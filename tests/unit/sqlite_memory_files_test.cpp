// The sqlite checker's in-memory files and VFS (checkers/sqlite_memory_files.h,
// checkers/sqlite_memory_vfs.h), in memory: copy-on-write over the state's
// bytes, which names exist, what is recorded as consulted, and connections
// on several threads at once (one checker per thread, as the runner will
// use them).  Agreement with libsqlite3's unix VFS on disk is
// tests/unmounted/sqlite_memory_vfs_test.cpp.
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <thread>

#include "checkers/sqlite_checker.h"
#include "checkers/sqlite_memory_files.h"
#include "checkers/sqlite_memory_vfs.h"
#include "checkers/view_oracle.h"
#include "core/memory_state.h"

using namespace crashfs;

namespace {

std::string bytes_of(MemoryFile& f) {
  std::string out(f.size(), '\0');
  out.resize(f.read(0, out.size(), out.data()));
  return out;
}

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << (error ? error : "?"));
}

// The files named app.db* that `files` holds now, as a state.
MemoryState snapshot(MemoryFiles& files) {
  MemoryState out;
  for (const char* name : {"app.db", "app.db-journal", "app.db-wal"})
    if (const auto f = files.find(files.name_of(name)); f && *f) out.file(name, bytes_of(**f));
  return out;
}

// Crash states made in memory by libsqlite3 itself, kRounds (mid-way,
// committed) pairs per journal mode: a database mid-way through a
// transaction that spilled into it (a hot journal; uncommitted WAL frames),
// then committed (in WAL mode: committed frames in the -wal).
constexpr int kRounds = 3;
std::vector<MemoryState> crash_states() {
  std::vector<MemoryState> out;
  for (const std::string mode : {"DELETE", "WAL"}) {
    MemoryState empty;
    empty.file("app.db", "");
    MemoryFiles files(empty, "/w", {});
    MemorySqlite sqlite(files, "app.db");
    BOOST_REQUIRE_EQUAL(sqlite.status(), SQLITE_OK);
    exec(sqlite.db(), "PRAGMA journal_mode=" + mode + "; PRAGMA cache_size=2; PRAGMA wal_autocheckpoint=0;"
                      "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
    for (int round = 0; round < kRounds; ++round) {
      exec(sqlite.db(), "BEGIN; WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 30) "
                        "INSERT INTO t(v) SELECT printf('%0400d', x) FROM n;"
                        "UPDATE t SET v = upper(v) || 'x' WHERE id % 3 = 0");
      out.push_back(snapshot(files));  // mid-transaction
      exec(sqlite.db(), "COMMIT");
      out.push_back(snapshot(files));
    }
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(writes_copy_the_file_and_never_change_the_state) {
  MemoryState state;
  state.file("d/app.db", "0123456789");
  MemoryFiles files(state, "/rec/", {"d/app.db"});
  BOOST_TEST(files.root() == "/rec");
  const auto db = files.find("/rec/d/app.db");
  BOOST_REQUIRE(db && *db);
  BOOST_TEST(!(*db)->copied());
  (*db)->write(12, "ab", 2);  // past the end: a gap of zeros
  BOOST_TEST((*db)->copied());
  BOOST_TEST(bytes_of(**db) == std::string("0123456789\0\0ab", 14));
  (*db)->truncate(4);
  BOOST_TEST(bytes_of(**db) == "0123");
  BOOST_TEST(state.read(*state.find("d/app.db")) == "0123456789");
  BOOST_TEST(files.consulted().empty());  // the keyed file is not "consulted"
}

BOOST_AUTO_TEST_CASE(names_resolve_in_the_state_under_the_root_only) {
  MemoryState state;
  state.file("app.db", "x").file("app.db-journal", "").dir("sub").file("sub/a.db-mj1", "super");
  MemoryFiles files(state, "/rec", {"app.db", "app.db-journal", "app.db-wal"});
  BOOST_TEST(!files.find("/rec/app.db-wal"));            // missing is missing
  const auto journal = files.find("/rec/app.db-journal");  // an empty file is a file
  BOOST_REQUIRE(journal && *journal);
  BOOST_TEST((*journal)->size() == 0u);
  const auto dir = files.find("/rec/sub");
  BOOST_TEST((dir && *dir == nullptr));  // exists, not a file
  BOOST_TEST(!files.find("/other/app.db"));
  BOOST_TEST(!files.find("/rec/./app.db"));
  BOOST_TEST(!files.find("/rec//app.db"));
  BOOST_TEST(!files.find("/recapp.db"));
  BOOST_TEST(files.find("/rec/sub/a.db-mj1").has_value());
  BOOST_TEST(!files.find("/rec/sub/a.db-mj2"));

  // What was looked up besides the keyed files (not names outside the
  // root or not canonical), with what the state held.
  const auto& seen = files.consulted();
  BOOST_REQUIRE_EQUAL(seen.size(), 3u);
  BOOST_TEST(seen[0].path == "sub");
  BOOST_TEST((seen[0].identity.kind == FileIdentity::Kind::kOther));
  BOOST_TEST(seen[1].path == "sub/a.db-mj1");
  BOOST_TEST((seen[1].identity == identify(state, "sub/a.db-mj1")));
  BOOST_TEST((seen[1].identity.kind == FileIdentity::Kind::kFile));
  BOOST_TEST(seen[2].path == "sub/a.db-mj2");
  BOOST_TEST((seen[2].identity.kind == FileIdentity::Kind::kAbsent));
}

BOOST_AUTO_TEST_CASE(deleting_and_creating_change_this_connection_s_names_only) {
  MemoryState state;
  state.file("app.db-journal", "j");
  MemoryFiles files(state, "/rec", {});
  const auto held = *files.find("/rec/app.db-journal");
  BOOST_TEST(files.remove("/rec/app.db-journal"));
  BOOST_TEST(!files.remove("/rec/app.db-journal"));
  BOOST_TEST(!files.find("/rec/app.db-journal"));
  BOOST_TEST(bytes_of(*held) == "j");  // an open handle keeps its file
  files.create("/rec/app.db-journal")->write(0, "new", 3);
  BOOST_TEST(bytes_of(**files.find("/rec/app.db-journal")) == "new");
  BOOST_TEST(state.read(*state.find("app.db-journal")) == "j");
}

BOOST_AUTO_TEST_CASE(one_thread_holds_one_connection_at_a_time) {
  MemoryState state;
  state.file("app.db", "");
  MemoryFiles a(state, "/a", {}), b(state, "/b", {});
  MemorySqlite first(a, "app.db");
  BOOST_CHECK_THROW(MemorySqlite(b, "app.db"), std::logic_error);
}

// A hot journal is rolled back, WAL frames replayed: the views differ from
// the database file's alone, and checkers on two threads at once read what
// one thread reads.
BOOST_AUTO_TEST_CASE(checkers_on_several_threads_read_what_one_thread_reads) {
  const std::vector<MemoryState> states = crash_states();
  auto views = [&states] {
    auto checker = make_sqlite_checker({});
    ViewReader& reader = dynamic_cast<OracleChecker&>(*checker).reader();
    std::vector<std::string> out;
    for (const MemoryState& s : states) {
      const Recovered r = reader.recover(s, "", "app.db");
      out.push_back(r.view.hex() + " " + r.summary);
    }
    return out;
  };
  const std::vector<std::string> alone = views();
  std::vector<std::string> t1, t2;
  std::thread a([&] { t1 = views(); }), b([&] { t2 = views(); });
  a.join();
  b.join();
  BOOST_TEST(t1 == alone, boost::test_tools::per_element());
  BOOST_TEST(t2 == alone, boost::test_tools::per_element());

  // Recovery happened: mid-transaction states read as the commit before.
  int hot = 0, wal = 0;
  for (std::size_t i = 0; i + 1 < states.size(); i += 2) {
    if (states[i].find("app.db-journal")) ++hot;
    if (const FileEntry* w = states[i + 1].find("app.db-wal"); w && w->size > 32) ++wal;
    if (i % (2 * kRounds) != 0)  // not a mode's first transaction
      BOOST_TEST(alone[i] == alone[i - 1], "state " << i << " does not read as the commit before it");
  }
  BOOST_TEST(hot > 0);
  BOOST_TEST(wal > 0);
}
