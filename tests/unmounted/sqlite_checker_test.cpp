// The sqlite checker on real database bytes made with libsqlite3 (no mount).
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "checkers/sqlite_checker.h"
#include "core/memory_history.h"
#include "core/memory_state.h"
#include "host/scratch_dir.h"

using namespace crashfs;

namespace {

class NoVersions : public VersionHistory {
 public:
  bool was_complete(std::string_view, const ContentHash&, Seq) const override { return true; }
};

// A database file with `rows` rows in table t, as bytes.
std::string make_db(int rows) {
  host::ScratchDir dir;
  BOOST_REQUIRE(dir.create("sqlite-test").is_ok());
  const std::string path = dir.path() + "/x.db";
  sqlite3* db = nullptr;
  BOOST_REQUIRE_EQUAL(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string sql = "PRAGMA journal_mode=DELETE; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);";
  for (int i = 0; i < rows; ++i) sql += "INSERT INTO t(v) VALUES('" + std::string(200, static_cast<char>('a' + i % 26)) + "');";
  BOOST_REQUIRE_EQUAL(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Integrity only (no history).
std::vector<Violation> run(const StateView& state) {
  NoVersions versions;
  auto checker = make_sqlite_checker({});
  std::vector<Violation> out;
  checker->check(CheckContext{state, state, versions, 10}, out);
  return out;
}

// `state` judged at the last moment of a run that passed through `moments`,
// with an acknowledgement at `ack` (none if ack == moments.size()).
std::vector<Violation> judge(const MemoryState& state, const std::vector<MemoryState>& moments, std::size_t ack) {
  MemoryHistory history;
  for (const auto& m : moments) history.add(m);
  if (ack < moments.size()) history.acknowledge(ack, "stdout line \"committed\"");
  NoVersions versions;
  auto checker = make_sqlite_checker({});
  std::vector<Violation> out;
  checker->check(CheckContext{state, moments.back(), versions, 10, &history, moments.size() - 1}, out);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_whole_database_passes) {
  MemoryState state;
  state.file("data/app.db", make_db(50));
  BOOST_TEST(run(state).empty());
}

BOOST_AUTO_TEST_CASE(a_database_cut_in_half_fails_integrity_check) {
  const std::string db = make_db(200);
  MemoryState state;
  state.file("app.sqlite", db.substr(0, db.size() / 2));
  const auto v = run(state);
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  BOOST_TEST(v[0].grade == "corrupt-database");
  BOOST_TEST(v[0].path == "app.sqlite");
}

BOOST_AUTO_TEST_CASE(an_acknowledged_commit_must_survive) {
  MemoryState before, after, state;
  before.file("app.db", make_db(20));
  after.file("app.db", make_db(30));
  state.file("app.db", make_db(20));
  const auto v = judge(state, {before, after}, 1);
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  BOOST_TEST(v[0].grade == "lost-acked");
  BOOST_TEST(v[0].reason.find("committed") != std::string::npos, v[0].reason);
}

BOOST_AUTO_TEST_CASE(an_earlier_commit_is_fine_without_an_acknowledgement) {
  // What SQLite documents for synchronous=NORMAL in WAL mode: a commit may
  // roll back on power loss, the database stays consistent.
  MemoryState before, after, state;
  before.file("app.db", make_db(20));
  after.file("app.db", make_db(30));
  state.file("app.db", make_db(20));
  BOOST_TEST(judge(state, {before, after}, 2).empty());
}

BOOST_AUTO_TEST_CASE(rows_the_run_never_held_are_an_inconsistent_recovery) {
  MemoryState before, after, state;
  before.file("app.db", make_db(20));
  after.file("app.db", make_db(30));
  state.file("app.db", make_db(25));  // half a transaction
  const auto v = judge(state, {before, after}, 2);
  BOOST_REQUIRE_EQUAL(v.size(), 1u);
  BOOST_TEST(v[0].grade == "inconsistent-recovery");
}

BOOST_AUTO_TEST_CASE(files_outside_the_globs_are_ignored) {
  MemoryState state;
  state.file("notes.txt", "not a database");
  BOOST_TEST(run(state).empty());
}
