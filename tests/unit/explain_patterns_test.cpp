// Explain on the writers whose right barrier placement follows from POSIX:
// one hand-built trace per pattern, each asserting the barrier, its path,
// the operations it goes after and before, that it was verified by
// re-exploring, and which recorded fsyncs are needed.
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

#include "core/trace_builder.h"
#include "explain_analysis.h"
#include "journal_test_encoders.h"

using namespace crashfs;
using namespace crashfs::testing;

namespace {

const ViolationGroup* group_with(const Explanation& e, std::string_view grade) {
  for (const ViolationGroup& g : e.groups)
    if (g.grade == grade) return &g;
  return nullptr;
}

std::set<Seq> as_set(const std::vector<Seq>& v) { return {v.begin(), v.end()}; }

// Every fix reads forward.
void check_forward(const Analysis& a) {
  for (const ViolationGroup& g : a.explanation.groups) {
    if (!g.fix) continue;
    for (const Barrier& b : g.fix->set)
      if (b.before_op != 0) BOOST_TEST(b.after_op < b.before_op, b.text);
  }
}

}  // namespace

// Python 3's .pyc write: a temporary file renamed over the final name, no
// fsync.  The fix is an fsync of the temporary file between its last write
// and the rename.
BOOST_AUTO_TEST_CASE(rename_without_fsync_gets_fsync_of_the_temporary_file_before_the_rename) {
  TraceBuilder b;
  b.existing_file("f.conf", "old = 1\n");
  b.create("f.conf.tmp").append("f.conf.tmp", "new = 2\n");
  const Seq w1 = b.last_seq();
  b.append("f.conf.tmp", "more = 3\n");
  const Seq w2 = b.last_seq();
  b.rename("f.conf.tmp", "f.conf");
  const Seq rename = b.last_seq();
  Analysis a(b, {"atomic@f.conf"}, {ModelKind::kPosix});
  BOOST_TEST_INFO(a.text());
  BOOST_REQUIRE_EQUAL(a.explanation.groups.size(), 1u);
  const ViolationGroup& g = a.explanation.groups[0];
  BOOST_TEST(to_string(g.kind) == "ordering");
  BOOST_REQUIRE(op_with_role(g, "lost"));
  BOOST_TEST((op_with_role(g, "lost")->seq == w1 || op_with_role(g, "lost")->seq == w2));
  BOOST_TEST(op_with_role(g, "lost")->path_role == "<file>.tmp");
  BOOST_REQUIRE(op_with_role(g, "persisted"));
  BOOST_TEST(op_with_role(g, "persisted")->seq == rename);
  BOOST_REQUIRE(g.fix.has_value());
  BOOST_REQUIRE_EQUAL(g.fix->set.size(), 1u);
  BOOST_TEST(to_string(g.fix->barrier) == "fsync");  // the file grew: its size matters
  BOOST_TEST(g.fix->path == "f.conf.tmp");
  BOOST_TEST(g.fix->after_op == w2);
  BOOST_TEST(g.fix->before_op == rename);
  BOOST_TEST(g.fix->verified);
  BOOST_TEST(g.fix->violations_after == 0u);
  BOOST_TEST(a.explanation.durability.empty());
  check_forward(a);
}

// Data written and fsynced in out/, then a done marker made durable in the
// top directory.  The data's directory entry was never synced: the marker
// can persist without it.  Ordering, fixed by fsyncdir(out) after the
// data's create and before the marker's.
BOOST_AUTO_TEST_CASE(a_durable_marker_over_data_whose_entry_is_unsynced_gets_fsyncdir_of_the_data_directory) {
  TraceBuilder b;
  b.existing_dir("out");
  b.create("out/data");
  const Seq create_data = b.last_seq();
  b.append("out/data", "payload\n").fsync("out/data");
  const Seq fsync_data = b.last_seq();
  b.create("done");
  const Seq create_done = b.last_seq();
  b.fsync("done");
  const Seq fsync_done = b.last_seq();
  b.fsyncdir("");
  const Seq fsyncdir_top = b.last_seq();
  std::vector<std::unique_ptr<ViewReader>> readers;
  readers.push_back(std::make_unique<TreeReader>("dump:done-means-data", [](const StateView& s) -> std::optional<std::string> {
    if (!read_path(s, "done")) return std::string("not done");
    auto data = read_path(s, "out/data");
    if (!data || data->find("payload") == std::string::npos) return std::nullopt;
    return *data;
  }));
  Analysis a(b, {}, {ModelKind::kPosix}, std::move(readers));
  BOOST_TEST_INFO(a.text());
  BOOST_REQUIRE_EQUAL(a.explanation.groups.size(), 1u);
  const ViolationGroup& g = a.explanation.groups[0];
  BOOST_TEST(to_string(g.kind) == "ordering");
  BOOST_REQUIRE(op_with_role(g, "lost"));
  BOOST_TEST(op_with_role(g, "lost")->seq == create_data);
  BOOST_REQUIRE(op_with_role(g, "persisted"));
  BOOST_TEST(op_with_role(g, "persisted")->seq == create_done);
  BOOST_REQUIRE(g.fix.has_value());
  BOOST_TEST(to_string(g.fix->barrier) == "fsyncdir");
  BOOST_TEST(g.fix->path == "out");
  BOOST_TEST(g.fix->after_op == create_data);
  BOOST_TEST(g.fix->before_op == create_done);
  BOOST_TEST(g.fix->verified);
  // The data's fsync is needed (the marker would vouch for empty data);
  // the marker's own barriers are not (nothing reads an absent marker as wrong).
  BOOST_TEST(a.verdict_for(fsync_data)->needed);
  BOOST_TEST(!a.verdict_for(fsync_done)->needed);
  BOOST_TEST(!a.verdict_for(fsyncdir_top)->needed);
  check_forward(a);
}

// A file rewritten in place with O_TRUNC: a process kill alone leaves it
// empty or half written.  No barrier fixes the program's own intermediate
// states; the remedy is a new file renamed over it.
BOOST_AUTO_TEST_CASE(an_in_place_rewrite_has_no_barrier_fix_and_names_rename_as_the_remedy) {
  TraceBuilder b;
  b.existing_file("f.conf", "old = 1\nold = 2\n");
  b.open("f.conf", 01001).write("f.conf", 0, "new = 1\n").write("f.conf", 8, "new = 2\n").release("f.conf");
  Analysis a(b, {"atomic@f.conf"}, {ModelKind::kProcessKill, ModelKind::kPosix});
  BOOST_TEST_INFO(a.text());
  BOOST_REQUIRE(!a.explanation.groups.empty());
  for (const ViolationGroup& g : a.explanation.groups) {
    BOOST_TEST(!(g.fix && g.fix->verified), g.path);
    BOOST_TEST(g.remedy.find("rename it over f.conf") != std::string::npos, g.remedy);
  }
  BOOST_TEST(has_model(a.explanation.groups[0], ModelKind::kProcessKill));
}

// The placeholder journal: a zero frame head, the payload, fdatasync, the
// real head patched in, fdatasync.  With a checksum, a head without its
// payload is detected: the payload's fdatasync orders nothing a reader
// needs, the head's fdatasync acknowledges the entry and is needed.  Each
// entry's verdict holds at its own crash points (1 and 3 entries).
void placeholder_journal(TraceBuilder& b, const std::string& format, std::size_t entries, std::vector<Seq>& payload_syncs,
                         std::vector<Seq>& head_syncs, std::vector<Seq>& head_writes) {
  LengthPrefixedWriter w(format);
  b.existing_file("data.log", "");
  std::uint64_t at = 0;
  for (std::size_t i = 0; i < entries; ++i) {
    const std::string e = w.entry(i, at);
    const std::size_t head = w.payload_offset(i, at);
    b.write("data.log", at, std::string(head, '\0'));
    b.write("data.log", at + head, e.substr(head));
    b.fdatasync("data.log");
    payload_syncs.push_back(b.last_seq());
    b.write("data.log", at, e.substr(0, head));
    head_writes.push_back(b.last_seq());
    b.fdatasync("data.log");
    head_syncs.push_back(b.last_seq());
    at += e.size();
  }
}

BOOST_AUTO_TEST_CASE(a_checksummed_placeholder_journal_needs_each_head_fdatasync_at_its_own_crash_points) {
  for (std::size_t entries : {1u, 3u}) {
    TraceBuilder b;
    std::vector<Seq> payload_syncs, head_syncs, head_writes;
    placeholder_journal(b, "u32le+crc32c", entries, payload_syncs, head_syncs, head_writes);
    Analysis a(b, {"journal:u32le+crc32c@data.log"}, {ModelKind::kProcessKill, ModelKind::kPosix});
    BOOST_TEST_INFO(entries << " entries\n" << a.text());
    BOOST_TEST(a.report.clean());
    BOOST_TEST(a.explanation.fsyncs_analyzed);
    BOOST_TEST(as_set(a.needed()) == as_set(head_syncs));
    BOOST_TEST(as_set(a.unneeded()) == as_set(payload_syncs));
  }
}

// Without a checksum, a zero head over a payload that did not persist (or a
// head over a zeroed payload) reads as entries the writer never wrote: no
// barrier at the crash fixes it; the remedy is the header last, with a
// checksum.
BOOST_AUTO_TEST_CASE(an_unchecksummed_placeholder_journal_has_no_barrier_fix_and_names_the_remedy) {
  for (std::size_t entries : {1u, 3u}) {
    TraceBuilder b;
    std::vector<Seq> payload_syncs, head_syncs, head_writes;
    placeholder_journal(b, "u32le", entries, payload_syncs, head_syncs, head_writes);
    Analysis a(b, {"journal:u32le@data.log"}, {ModelKind::kProcessKill, ModelKind::kPosix});
    BOOST_TEST_INFO(entries << " entries\n" << a.text());
    BOOST_REQUIRE(!a.explanation.groups.empty());
    const ViolationGroup& g = a.explanation.groups[0];
    BOOST_TEST(!(g.fix && g.fix->verified));
    BOOST_TEST(g.remedy.find("header last") != std::string::npos, g.remedy);
    BOOST_TEST(g.remedy.find("checksum") != std::string::npos, g.remedy);
    // The payload's fdatasync keeps a head from persisting over a lost payload.
    for (Seq s : payload_syncs) BOOST_TEST(a.verdict_for(s)->needed, "#" << s);
    for (Seq s : head_syncs) BOOST_TEST(a.verdict_for(s)->needed, "#" << s);
  }
}

// A write-ahead log: each update appends the new page to wal.log, then
// overwrites the page in data.db in place (two sectors: it can tear), then
// fsyncs data.db and truncates the log.  The log record is never fsynced:
// the data write can persist torn while the record it needs is lost.
// Recovery: the last complete record in the log, else the data page.
struct Wal {
  TraceBuilder b;
  std::vector<Seq> log_writes, data_writes, data_syncs;
  explicit Wal(std::size_t updates) {
    b.existing_file("data.db", std::string(8192, 'a'));
    b.existing_file("wal.log", "");
    for (std::size_t k = 0; k < updates; ++k) {
      const char v = static_cast<char>('b' + k);
      b.append("wal.log", std::string("page=") + v + "\n");
      log_writes.push_back(b.last_seq());
      b.write("data.db", 0, std::string(8192, v));
      data_writes.push_back(b.last_seq());
      b.fdatasync("data.db");
      data_syncs.push_back(b.last_seq());
      b.truncate("wal.log", 0);
      b.fsync("wal.log");
    }
  }
  static std::unique_ptr<ViewReader> reader() {
    return std::make_unique<TreeReader>("dump:wal-recovery", [](const StateView& s) -> std::optional<std::string> {
      const auto log = read_path(s, "wal.log");
      if (log) {
        const auto at = log->rfind("page=");
        if (at != std::string::npos && at + 6 < log->size() + 1 && log->size() >= at + 7 && (*log)[at + 6] == '\n')
          return std::string(1, (*log)[at + 5]);
      }
      const auto data = read_path(s, "data.db");
      if (!data) return std::nullopt;
      std::set<char> chars(data->begin(), data->end());
      return std::string(chars.begin(), chars.end());
    });
  }
};

BOOST_AUTO_TEST_CASE(a_write_ahead_log_gets_fsync_of_the_log_after_each_record_before_its_data_write) {
  Wal t(3);
  std::vector<std::unique_ptr<ViewReader>> readers;
  readers.push_back(Wal::reader());
  Analysis a(t.b, {}, {ModelKind::kPosix}, std::move(readers));
  BOOST_TEST_INFO(a.text());
  BOOST_REQUIRE(!a.report.clean());
  BOOST_REQUIRE_EQUAL(a.explanation.groups.size(), 1u);  // one bug, three updates
  const ViolationGroup& g = a.explanation.groups[0];
  BOOST_TEST(to_string(g.kind) == "ordering");
  BOOST_REQUIRE(op_with_role(g, "lost"));
  BOOST_REQUIRE(op_with_role(g, "torn"));
  BOOST_TEST(op_with_role(g, "lost")->path_role == "*.log");
  BOOST_TEST(op_with_role(g, "torn")->path_role == "*.db");
  BOOST_REQUIRE(g.fix.has_value());
  BOOST_TEST(to_string(g.fix->barrier) == "fsync");
  BOOST_TEST(g.fix->path == "wal.log");
  // Placed for the example's update, stated for all three.
  std::size_t k = 0;
  while (k < t.log_writes.size() && t.log_writes[k] != g.fix->after_op) ++k;
  BOOST_REQUIRE(k < t.log_writes.size());
  BOOST_TEST(g.fix->before_op == t.data_writes[k]);
  BOOST_TEST(g.fix->instances == 3u);
  BOOST_TEST(g.fix->verified);
  // The data fsync before the log truncation is needed in every update.
  for (Seq s : t.data_syncs) BOOST_TEST(a.verdict_for(s)->needed, "#" << s);
  check_forward(a);
}

// A new journal whose entries are each fdatasync'd (acknowledged), but
// whose directory entry is never synced: the file can vanish with every
// acknowledged entry.  Durability, fixed by fsyncdir of its directory
// after the create and before the first acknowledging fdatasync.
BOOST_AUTO_TEST_CASE(a_new_journal_without_fsyncdir_gets_fsyncdir_before_its_first_acknowledgement) {
  LengthPrefixedWriter w("u32le+crc32c");
  TraceBuilder b;
  b.create("data.log");
  const Seq create = b.last_seq();
  std::uint64_t at = 0;
  std::vector<Seq> syncs;
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string e = w.entry(i, at);
    b.append("data.log", e).fdatasync("data.log");
    syncs.push_back(b.last_seq());
    at += e.size();
  }
  Analysis a(b, {"journal:u32le+crc32c@data.log"}, {ModelKind::kPosix});
  BOOST_TEST_INFO(a.text());
  const ViolationGroup* g = group_with(a.explanation, "lost-acked");
  BOOST_REQUIRE(g != nullptr);
  BOOST_TEST(to_string(g->kind) == "durability");
  BOOST_REQUIRE(op_with_role(*g, "lost"));
  BOOST_TEST(op_with_role(*g, "lost")->seq == create);
  BOOST_REQUIRE(g->fix.has_value());
  BOOST_TEST(to_string(g->fix->barrier) == "fsyncdir");
  BOOST_TEST(g->fix->path == ".");
  BOOST_TEST(g->fix->after_op == create);
  BOOST_TEST(g->fix->before_op == syncs.front());
  BOOST_TEST(g->fix->verified);
  check_forward(a);
}

// A staged directory swapped in with renameat2(RENAME_EXCHANGE): every
// file fsynced, the staging directory fsynced, the exchange, the parent
// fsynced, then "swapped" acknowledged.  Each barrier missing in turn is
// found and put back where it belongs.
struct DirSwap {
  TraceBuilder b;
  Seq mkdir = 0, create_a = 0, write_a = 0, create_b = 0, write_b = 0, exchange = 0;
  explicit DirSwap(const std::string& missing) {
    b.existing_dir("live").existing_file("live/a", "old a\n").existing_file("live/b", "old b\n");
    b.mkdir("stage");
    mkdir = b.last_seq();
    b.create("stage/a").append("stage/a", "new a\n");
    create_a = b.last_seq() - 1;
    write_a = b.last_seq();
    if (missing != "fsync a") b.fsync("stage/a");
    b.create("stage/b").append("stage/b", "new b\n");
    create_b = b.last_seq() - 1;
    write_b = b.last_seq();
    if (missing != "fsync b") b.fsync("stage/b");
    if (missing != "fsyncdir stage") b.fsyncdir("stage");
    b.rename("stage", "live", 2);  // RENAME_EXCHANGE
    exchange = b.last_seq();
    if (missing != "fsyncdir parent") b.fsyncdir("");
    b.mark("swapped");
  }
  static std::unique_ptr<ViewReader> reader() {
    return std::make_unique<TreeReader>("dump:live", [](const StateView& s) -> std::optional<std::string> {
      auto a = read_path(s, "live/a");
      auto b = read_path(s, "live/b");
      if (!a || !b) return std::nullopt;
      return *a + *b;
    });
  }
};

BOOST_AUTO_TEST_CASE(a_directory_swap_with_each_barrier_missing_in_turn_gets_that_barrier_back) {
  struct Expect {
    std::string missing, barrier, path;
  };
  for (const Expect& x : {Expect{"fsync a", "fsync", "stage/a"}, Expect{"fsync b", "fsync", "stage/b"},
                          Expect{"fsyncdir stage", "fsyncdir", "stage"}, Expect{"fsyncdir parent", "fsyncdir", "."}}) {
    DirSwap t(x.missing);
    std::vector<std::unique_ptr<ViewReader>> readers;
    readers.push_back(DirSwap::reader());
    Analysis a(t.b, {}, {ModelKind::kPosix}, std::move(readers), "swapped");
    BOOST_TEST_INFO(x.missing << "\n" << a.text());
    BOOST_REQUIRE(!a.report.clean());
    BOOST_REQUIRE_EQUAL(a.explanation.groups.size(), 1u);
    const ViolationGroup& g = a.explanation.groups[0];
    BOOST_REQUIRE(g.fix.has_value());
    BOOST_TEST(g.fix->verified);
    BOOST_TEST(to_string(g.fix->barrier) == x.barrier);
    BOOST_TEST(g.fix->path == x.path);
    if (x.missing == "fsync a") {
      BOOST_TEST(g.fix->after_op == t.write_a);
      BOOST_TEST(g.fix->before_op == t.exchange);
    } else if (x.missing == "fsync b") {
      BOOST_TEST(g.fix->after_op == t.write_b);
      BOOST_TEST(g.fix->before_op == t.exchange);
    } else if (x.missing == "fsyncdir stage") {
      BOOST_TEST(g.fix->after_op == t.create_b);  // after the LAST entry change in stage
      BOOST_TEST(g.fix->before_op == t.exchange);
    } else {
      BOOST_TEST(g.fix->after_op == t.exchange);  // the exchange itself, not the mkdir
      BOOST_TEST(to_string(g.kind) == "durability");
    }
    check_forward(a);
  }
}

// Nothing synced at all: no single barrier removes the group; the set
// (both files, the staging directory, the parent) does, verified together.
BOOST_AUTO_TEST_CASE(a_directory_swap_without_any_barrier_gets_a_verified_set_of_barriers) {
  TraceBuilder b;
  b.existing_dir("live").existing_file("live/a", "old a\n").existing_file("live/b", "old b\n");
  b.mkdir("stage").create("stage/a").append("stage/a", "new a\n").create("stage/b").append("stage/b", "new b\n");
  b.rename("stage", "live", 2);
  b.mark("swapped");
  std::vector<std::unique_ptr<ViewReader>> readers;
  readers.push_back(DirSwap::reader());
  Analysis a(b, {}, {ModelKind::kPosix}, std::move(readers), "swapped");
  BOOST_TEST_INFO(a.text());
  BOOST_REQUIRE(!a.explanation.groups.empty());
  for (const ViolationGroup& g : a.explanation.groups) {
    BOOST_REQUIRE(g.fix.has_value());
    BOOST_TEST(g.fix->verified, g.fix->text);
  }
  check_forward(a);
}

// A commit made by unlinking the rollback journal, acknowledged, with no
// fsyncdir after the unlink: the unlink can be lost and recovery rolls the
// committed data back.  fsyncdir(.) after the unlink, before the crash.
BOOST_AUTO_TEST_CASE(a_commit_by_unlinking_the_journal_gets_fsyncdir_after_the_unlink) {
  TraceBuilder b;
  b.existing_file("data.db", "v1\n");
  b.create("data.db-journal").append("data.db-journal", "v1\n").fsync("data.db-journal").fsyncdir("");
  b.write("data.db", 0, "v2\n").fsync("data.db");
  b.unlink("data.db-journal");
  const Seq unlink = b.last_seq();
  b.mark("committed");
  std::vector<std::unique_ptr<ViewReader>> readers;
  readers.push_back(std::make_unique<TreeReader>("dump:rollback", [](const StateView& s) -> std::optional<std::string> {
    if (auto j = read_path(s, "data.db-journal"); j && j->size() == 3) return *j;  // hot journal: roll back
    return read_path(s, "data.db");
  }));
  Analysis a(b, {}, {ModelKind::kPosix}, std::move(readers), "committed");
  BOOST_TEST_INFO(a.text());
  const ViolationGroup* g = group_with(a.explanation, "lost-acked");
  BOOST_REQUIRE(g != nullptr);
  BOOST_TEST(to_string(g->kind) == "durability");
  BOOST_REQUIRE(op_with_role(*g, "lost"));
  BOOST_TEST(op_with_role(*g, "lost")->seq == unlink);
  BOOST_REQUIRE(g->fix.has_value());
  BOOST_TEST(to_string(g->fix->barrier) == "fsyncdir");
  BOOST_TEST(g->fix->path == ".");
  BOOST_TEST(g->fix->after_op == unlink);
  BOOST_TEST(g->fix->verified);
}

// A commit block per transaction, three transactions: two records, then
// the commit block, appended to one log with no barrier between them.  One
// group, one pattern fix placed at every transaction.
BOOST_AUTO_TEST_CASE(a_commit_block_per_transaction_is_one_group_with_one_pattern_fix) {
  TraceBuilder b;
  b.existing_file("tx.log", "");
  std::vector<Seq> second_records, commits;
  for (int t = 1; t <= 3; ++t) {
    b.append("tx.log", fmt::format("R{}a\n", t)).append("tx.log", fmt::format("R{}b\n", t));
    second_records.push_back(b.last_seq());
    b.append("tx.log", fmt::format("C{}\n", t));
    commits.push_back(b.last_seq());
    b.fsync("tx.log");
  }
  std::vector<std::unique_ptr<ViewReader>> readers;
  readers.push_back(std::make_unique<TreeReader>("dump:tx", [](const StateView& s) -> std::optional<std::string> {
    const auto log = read_path(s, "tx.log");
    if (!log) return std::string();
    std::string committed;
    for (int t = 1; t <= 3; ++t) {
      if (log->find(fmt::format("C{}\n", t)) == std::string::npos) break;
      if (log->find(fmt::format("R{}a\n", t)) == std::string::npos || log->find(fmt::format("R{}b\n", t)) == std::string::npos)
        return std::nullopt;  // a commit block over missing records
      committed += std::to_string(t);
    }
    return committed;
  }));
  Analysis a(b, {}, {ModelKind::kPosix}, std::move(readers));
  BOOST_TEST_INFO(a.text());
  BOOST_REQUIRE_EQUAL(a.explanation.groups.size(), 1u);
  const ViolationGroup& g = a.explanation.groups[0];
  BOOST_TEST(to_string(g.kind) == "ordering");
  BOOST_REQUIRE(g.fix.has_value());
  BOOST_TEST(g.fix->path == "tx.log");
  std::size_t k = 0;
  while (k < second_records.size() && second_records[k] != g.fix->after_op) ++k;
  BOOST_REQUIRE(k < second_records.size());
  BOOST_TEST(g.fix->before_op == commits[k]);
  BOOST_TEST(g.fix->instances == 3u);
  BOOST_TEST(g.fix->verified);
  check_forward(a);
}

// Redundant and wrong-file fsyncs: the program fsyncs the old file and
// fsyncs the temporary file twice.  The fix is still the temporary file's
// fsync before the rename; the wrong file's fsync and the second fsync are
// not needed.
BOOST_AUTO_TEST_CASE(a_wrong_file_fsync_and_a_repeated_fsync_are_not_needed) {
  TraceBuilder b;
  b.existing_file("f.conf", "old = 1\n").existing_file("other.conf", "x\n");
  b.create("f.conf.tmp").append("f.conf.tmp", "new = 2\n").fsync("other.conf");
  const Seq wrong = b.last_seq();
  b.fsync("f.conf.tmp");
  const Seq first = b.last_seq();
  b.fsync("f.conf.tmp");
  const Seq second = b.last_seq();
  b.rename("f.conf.tmp", "f.conf");
  Analysis a(b, {"atomic@f.conf"}, {ModelKind::kPosix});
  BOOST_TEST_INFO(a.text());
  BOOST_TEST(a.report.clean());
  BOOST_TEST(as_set(a.needed()) == std::set<Seq>{first});
  BOOST_TEST(as_set(a.unneeded()) == (std::set<Seq>{wrong, second}));
}
