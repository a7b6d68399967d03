// The sqlite checker's in-memory VFS (checkers/sqlite_memory_vfs.h) against
// an independent reference: libsqlite3's own unix VFS on a copy of the same
// files on disk.  For every crash state of real libsqlite3 workloads
// (sqlite_crash_states.h: process-kill states at every write, truncate and
// delete, plus writes torn in half) the read in memory must give what the
// read on disk gives: the same integrity verdict (error text included), the
// same view digest and summary.  Each workload also proves it reached the
// case it is there for: a hot journal rolled back, WAL frames replayed, a
// torn WAL frame, a super-journal present (rolled back) and gone
// (committed), a database without a journal that fails integrity_check.
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/unmounted/sqlite_crash_states.h"

using namespace crashfs;
using namespace crashfs::test;

namespace {

// A table of `rows` rows of 300 bytes, then `more` statements.
std::vector<std::string> workload(const std::string& pragmas, int rows, const std::vector<std::string>& more) {
  std::vector<std::string> out = {pragmas, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)"};
  std::string insert = "BEGIN;";
  for (int i = 0; i < rows; ++i) insert += "INSERT INTO t(v) VALUES(printf('%0300d', " + std::to_string(i) + "));";
  out.push_back(insert + "COMMIT;");
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

struct Tally {
  int states = 0, compared = 0, rollbacks = 0, corrupt = 0;
};

// Compares the two reads of `unit` in every state; returns what it saw.
Tally compare_all(const std::vector<CrashState>& states, const std::string& dir, const std::vector<std::string>& units) {
  Tally t;
  for (std::size_t i = 0; i < states.size(); ++i) {
    ++t.states;
    for (const std::string& unit : units) {
      if (!states[i].files.contains(unit)) continue;
      BOOST_TEST_CONTEXT("state " << i << " of " << states.size() << ", " << unit
                                  << (states[i].torn.empty() ? "" : ", torn write to " + states[i].torn)) {
        const MemoryRead mem = read_in_memory(states[i].files, dir, unit);
        const SqliteRead disk = read_on_disk(states[i].files, dir, unit);
        BOOST_TEST(mem.read.error == disk.error);
        BOOST_TEST(mem.read.recovered.view.hex() == disk.recovered.view.hex());
        BOOST_TEST(mem.read.recovered.summary == disk.recovered.summary);
        ++t.compared;
        t.rollbacks += mem.wrote_db;
        t.corrupt += !disk.error.empty();
      }
    }
  }
  return t;
}

}  // namespace

BOOST_AUTO_TEST_CASE(hot_rollback_journals_are_rolled_back_and_unjournaled_damage_is_found_as_on_disk) {
  // A small page cache makes SQLite write changed pages into the database
  // before COMMIT: with a rollback journal, states with a hot journal that
  // must be rolled back; with journal_mode=OFF, nothing to roll back with,
  // and torn states fail integrity_check (with the same error text).
  for (const std::string mode : {"DELETE", "TRUNCATE", "PERSIST", "OFF"}) {
    BOOST_TEST_CONTEXT("journal_mode " << mode) {
      TempDir dir;
      const auto states = record_sqlite(
          dir.path(), "app.db",
          workload("PRAGMA journal_mode=" + mode + "; PRAGMA cache_size=2", 60,
                   {"UPDATE t SET v = upper(v) || 'x' WHERE id % 2 = 0", "DELETE FROM t WHERE id > 40",
                    "CREATE INDEX i ON t(v)",
                    "BEGIN; INSERT INTO t(v) SELECT v FROM t; DELETE FROM t WHERE id < 20; COMMIT;"}));
      const Tally t = compare_all(states, dir.path(), {"app.db"});
      BOOST_TEST_MESSAGE(mode << ": " << t.states << " states, " << t.rollbacks << " rolled back, " << t.corrupt
                              << " corrupt");
      if (mode == "OFF") BOOST_TEST(t.corrupt > 0);
      else BOOST_TEST(t.rollbacks > 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(wal_frames_are_replayed_and_a_torn_frame_ends_the_wal_as_on_disk) {
  TempDir dir;
  // No automatic checkpoint: the committed frames stay in the -wal, then an
  // explicit checkpoint copies them into the database.
  const auto states = record_sqlite(
      dir.path(), "app.db",
      workload("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0", 30,
               {"UPDATE t SET v = 'a' || v WHERE id % 3 = 0", "DELETE FROM t WHERE id % 5 = 0",
                "INSERT INTO t(v) SELECT v FROM t WHERE id < 10", "PRAGMA wal_checkpoint(TRUNCATE)",
                "UPDATE t SET v = 'b' WHERE id < 5"}));
  const Tally t = compare_all(states, dir.path(), {"app.db"});
  int replayed = 0, torn_wal = 0;
  for (const CrashState& s : states) {
    if (s.torn == "app.db-wal") ++torn_wal;
    const auto wal = s.files.find("app.db-wal");
    if (!s.files.contains("app.db") || wal == s.files.end() || wal->second.size() <= 32) continue;
    // Frames replayed: the view with the -wal is not the database's alone.
    Files without = s.files;
    without.erase("app.db-wal");
    if (read_in_memory(s.files, dir.path(), "app.db").read.recovered.view !=
        read_in_memory(without, dir.path(), "app.db").read.recovered.view)
      ++replayed;
  }
  BOOST_TEST_MESSAGE("WAL: " << t.states << " states, " << replayed << " with frames replayed, " << torn_wal
                             << " with a torn -wal write, " << t.corrupt << " corrupt");
  BOOST_TEST(replayed > 0);
  BOOST_TEST(torn_wal > 0);
  BOOST_TEST(std::any_of(states.begin(), states.end(), [](const CrashState& s) { return s.files.contains("app.db-shm"); }),
             "no state kept a -shm: the states do not test that it is ignored");
}

BOOST_AUTO_TEST_CASE(a_super_journal_decides_as_on_disk_whether_child_journals_roll_back) {
  TempDir dir;
  // One transaction over two databases in rollback-journal mode: SQLite
  // writes a super-journal (a.db-mjXXXXXXXX) naming both journals, each
  // journal names it by its absolute path, and deleting it commits both.
  const std::string b = dir / "b.db";
  const auto states = record_sqlite(
      dir.path(), "a.db",
      {"PRAGMA journal_mode=DELETE", "ATTACH '" + b + "' AS b", "PRAGMA b.journal_mode=DELETE",
       "CREATE TABLE main.t(x TEXT)", "CREATE TABLE b.u(y TEXT)",
       "BEGIN; INSERT INTO main.t VALUES(printf('%0500d', 1)); INSERT INTO b.u VALUES(printf('%0500d', 2)); COMMIT;",
       "BEGIN; UPDATE main.t SET x = 'a'; UPDATE b.u SET y = 'b'; COMMIT;"});
  const Tally t = compare_all(states, dir.path(), {"a.db", "b.db"});
  int super_present = 0, super_missing = 0;
  for (const CrashState& s : states)
    for (const std::string unit : {"a.db", "b.db"}) {
      if (!s.files.contains(unit)) continue;
      for (const auto& c : read_in_memory(s.files, dir.path(), unit).consulted) {
        if (c.path.find("-mj") == std::string::npos) continue;
        if (c.identity.kind == FileIdentity::Kind::kFile) ++super_present;
        if (c.identity.kind == FileIdentity::Kind::kAbsent) ++super_missing;
      }
    }
  BOOST_TEST_MESSAGE("super-journal: " << t.states << " states, " << t.rollbacks << " rolled back, " << super_present
                                       << " reads found the super-journal, " << super_missing << " found it gone");
  BOOST_TEST(super_present > 0);
  BOOST_TEST(super_missing > 0);
  BOOST_TEST(t.rollbacks > 0);
}

// The pager sizes journal sectors from these (sqlite_memory_vfs.h): they
// must be what unix reports for a file on this machine.
BOOST_AUTO_TEST_CASE(sector_size_and_device_characteristics_are_unix_s) {
  TempDir dir;
  const auto states = record_sqlite(dir.path(), "app.db", workload("PRAGMA journal_mode=DELETE", 3, {}));
  const Files& last = states.back().files;
  auto describe = [](sqlite3* db) {
    sqlite3_file* f = nullptr;
    BOOST_REQUIRE_EQUAL(sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f), SQLITE_OK);
    return std::make_pair(f->pMethods->xSectorSize(f), f->pMethods->xDeviceCharacteristics(f));
  };
  std::pair<int, int> on_disk, in_memory;
  {
    read_on_disk(last, dir.path(), "app.db");
    sqlite3* db = nullptr;
    BOOST_REQUIRE_EQUAL(sqlite3_open_v2((dir / "app.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    on_disk = describe(db);
    sqlite3_close(db);
  }
  {
    const MemoryState state = state_of(last);
    MemoryFiles files(state, dir.path(), {"app.db"});
    MemorySqlite sqlite(files, "app.db");
    BOOST_REQUIRE_EQUAL(sqlite.status(), SQLITE_OK);
    in_memory = describe(sqlite.db());
  }
  BOOST_TEST(in_memory.first == on_disk.first);
  BOOST_TEST(in_memory.second == on_disk.second);
}
