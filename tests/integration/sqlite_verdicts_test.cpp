// SQLite, the reference crash-safe program, under crashfs: the verdict of
// every journal_mode x synchronous cell must agree with SQLite's own
// documentation (https://www.sqlite.org/pragma.html#pragma_synchronous,
// https://www.sqlite.org/atomiccommit.html, https://www.sqlite.org/wal.html).
// The workload (workloads/apps/sqlite/writer.py) creates a table, inserts
// three rows (one with a 9000-byte blob), updates one and deletes one, one
// transaction each, and prints "committed N" after each COMMIT returns.
#include <boost/test/unit_test.hpp>

#include "tests/integration/verdict_run.h"

using namespace crashfs::test;

namespace {

const std::string kWriter = std::string(CRASHFS_SOURCE_DIR) + "/workloads/apps/sqlite/writer.py";

VerdictRun sqlite_run(const std::string& mode, const std::string& sync, bool acks) {
  TempDir dir;
  std::vector<std::string> options = {"--checker", "sqlite@db.sqlite", "--model", "process-kill", "--model", "posix",
                                      "--no-explain"};
  if (acks) options.insert(options.end(), {"--ack", "^committed [0-9]+$"});
  return crashfs_verdicts(dir, options, {"python3", kWriter, "db.sqlite", mode, sync});
}

}  // namespace

// Process kill: whatever synchronous says, an application crash leaves the
// writes in the operating system's cache, and SQLite recovers every
// committed transaction ("If the application running SQLite crashes, the
// data will be safe" - synchronous=OFF; WAL and rollback journals alike).
// Power loss (posix): OFF hands the data to the OS without syncing ("the
// database might become corrupted if the operating system crashes or the
// computer loses power"); WAL with NORMAL "is always consistent" but "might
// roll back" a commit, so without acknowledgements it is clean; FULL in WAL
// mode and EXTRA in every mode are durable.
BOOST_AUTO_TEST_CASE(every_journal_mode_and_synchronous_level_agrees_with_sqlite_s_documentation) {
  for (const std::string mode : {"delete", "truncate", "persist", "wal"}) {
    for (const std::string sync : {"off", "normal", "full", "extra"}) {
      BOOST_TEST_CONTEXT(mode << " x " << sync) {
        const VerdictRun v = sqlite_run(mode, sync, false);
        BOOST_TEST(v.verdict("process-kill") == "clean", v.report["violations"].dump(1).substr(0, 2000));
        const std::string posix = v.verdict("posix");
        if (sync == "off") BOOST_TEST(posix == "violation");
        if (sync == "extra") BOOST_TEST(posix == "clean", v.report["violations"].dump(1).substr(0, 2000));
        if (mode == "wal" && sync != "off") BOOST_TEST(posix == "clean", v.report["violations"].dump(1).substr(0, 2000));
        BOOST_TEST_MESSAGE(mode << " x " << sync << ": process-kill " << v.verdict("process-kill") << ", posix " << posix);
      }
    }
  }
}

// WAL: NORMAL syncs the WAL only at checkpoints, so an acknowledged commit
// may vanish ("A transaction committed in WAL mode with synchronous=NORMAL
// might roll back following a power loss").  The acknowledged DELETE and
// WAL x FULL and EXTRA cells are the application suite's
// (workloads/apps/sqlite, tests/integration/apps_test.cpp).
BOOST_AUTO_TEST_CASE(wal_normal_loses_an_acknowledged_commit) {
  const VerdictRun normal = sqlite_run("wal", "normal", true);
  BOOST_TEST(normal.verdict("posix") == "violation");
  BOOST_TEST(normal.grades("posix") == std::set<std::string>{"lost-acked"});
}
