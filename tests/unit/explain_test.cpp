// The explain step (analysis/explain.h) on synthetic traces, with the real
// atomic and journal checkers: the kind of each bug, the barrier that fixes
// it (verified by re-exploring), the recorded fsyncs that are not needed,
// process-kill bugs no barrier fixes, and how violations group and order.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "analysis/check_runner.h"
#include "analysis/explain.h"
#include "analysis/explain_shape.h"
#include "checkers/checker_spec.h"
#include "core/base_content.h"
#include "core/trace_builder.h"
#include "explain_analysis.h"
#include "journal_test_encoders.h"

using namespace crashfs;
using crashfs::testing::Analysis;
using crashfs::testing::has_model;
using crashfs::testing::op_with_role;

namespace {

// A config file replaced the way Python 3.3+ writes .pyc files: write a
// temporary file, rename it over the old one, never fsync.  The write is
// 17 bytes, inside one sector, so it cannot tear: a crash can only lose it.
struct RenameWithoutFsync {
  TraceBuilder b;
  Seq write = 0, fsync = 0, rename = 0;
  explicit RenameWithoutFsync(bool with_fsync) {
    b.existing_file("f.conf", "old = 1\n");
    b.create("f.conf.tmp").append("f.conf.tmp", "new = 2\nmore = 3\n");
    write = b.last_seq();
    if (with_fsync) {
      b.fsync("f.conf.tmp");
      fsync = b.last_seq();
    }
    b.rename("f.conf.tmp", "f.conf");
    rename = b.last_seq();
  }
};

// A journal of u32le+crc32c entries appended to a pre-existing empty file,
// each acknowledged by an fdatasync (so the entries are promised).
struct AckedJournal {
  TraceBuilder b;
  std::vector<Seq> appends, fdatasyncs;
  explicit AckedJournal(std::size_t entries) {
    testing::LengthPrefixedWriter w("u32le+crc32c");
    b.existing_file("data.log", "");
    std::uint64_t at = 0;
    for (std::size_t i = 0; i < entries; ++i) {
      const std::string e = w.entry(i, at);
      b.append("data.log", e);
      appends.push_back(b.last_seq());
      b.fdatasync("data.log");
      fdatasyncs.push_back(b.last_seq());
      at += e.size();
    }
  }
};

// The build-system journal incident: two writers each leave half an entry
// in the middle of the file, and a complete entry follows.  A process kill
// alone shows it; nothing was lost to the crash.
TraceBuilder& half_entries(TraceBuilder& b) {
  testing::LengthPrefixedWriter w("u32le+crc32c");
  b.existing_file("data.log", "");
  const std::string e0 = w.entry(0, 0);
  b.append("data.log", e0);
  std::uint64_t at = e0.size();
  const std::string e1 = w.entry(1, at);
  b.as_process(201, "writer-a").append("data.log", e1.substr(0, e1.size() / 2));
  at += e1.size() / 2;
  const std::string e2 = w.entry(2, at);
  b.as_process(202, "writer-b").append("data.log", e2.substr(0, e2.size() / 2));
  at += e2.size() / 2;
  b.as_process(201, "writer-a").append("data.log", w.entry(3, at)).fdatasync("data.log");
  return b;
}

}  // namespace


// Kind: ordering, not atomicity.  In the violating states the 17-byte write
// (one sector, so never torn) was lost while the later rename persisted:
// a later operation persisted while an earlier one did not.
BOOST_AUTO_TEST_CASE(rename_without_fsync_is_one_ordering_group_fixed_by_fsync_of_the_temporary_file) {
  RenameWithoutFsync t(false);
  Analysis a(t.b, {"atomic@f.conf"}, {ModelKind::kPosix});
  BOOST_TEST_INFO(a.text());
  BOOST_TEST(!a.report.clean());
  BOOST_REQUIRE_EQUAL(a.explanation.groups.size(), 1u);
  const ViolationGroup& g = a.explanation.groups[0];
  BOOST_TEST(g.checker == "atomic");
  BOOST_TEST(g.path == "f.conf");
  BOOST_TEST(to_string(g.kind) == "ordering");
  BOOST_TEST(g.violations == a.report.total_violations);
  const OpDescription* lost = op_with_role(g, "lost");
  const OpDescription* exposes = op_with_role(g, "persisted");
  BOOST_REQUIRE(lost != nullptr);
  BOOST_REQUIRE(exposes != nullptr);
  BOOST_TEST(lost->seq == t.write);
  BOOST_TEST(exposes->seq == t.rename);
  BOOST_TEST(exposes->text.find("rename f.conf.tmp -> f.conf") != std::string::npos);

  BOOST_REQUIRE(g.fix.has_value());
  BOOST_TEST(to_string(g.fix->barrier) == "fsync");
  BOOST_TEST(g.fix->path == "f.conf.tmp");
  BOOST_TEST(g.fix->node == t.b.node("f.conf"));  // the temporary file's node, renamed since
  BOOST_TEST(g.fix->after_op == t.write);
  BOOST_TEST(g.fix->before_op == t.rename);
  BOOST_TEST(g.fix->verified);
  BOOST_TEST(g.fix->violations_after == 0u);
  BOOST_TEST(g.fix->violations_removed == a.report.total_violations);
  BOOST_TEST(g.no_fix_reason.empty());
}

BOOST_AUTO_TEST_CASE(rename_after_fsync_of_the_temporary_file_is_clean) {
  RenameWithoutFsync t(true);
  Analysis a(t.b, {"atomic@f.conf"}, {ModelKind::kPosix});
  BOOST_TEST_INFO(a.text());
  BOOST_TEST(a.report.clean());
  BOOST_TEST(a.explanation.groups.empty());
  BOOST_TEST(a.report.states_checked[ModelKind::kPosix] > 1u);  // it did look
}

// Latest first, cumulatively: the second fsync goes first and nothing
// breaks; with it gone, removing the first exposes the rename bug.
BOOST_AUTO_TEST_CASE(of_two_fsyncs_in_a_row_the_second_is_unneeded_and_the_first_needed) {
  TraceBuilder b;
  b.existing_file("f.conf", "old = 1\n");
  b.create("f.conf.tmp").append("f.conf.tmp", "new = 2\nmore = 3\n").fsync("f.conf.tmp");
  const Seq first = b.last_seq();
  b.fsync("f.conf.tmp");
  const Seq second = b.last_seq();
  b.rename("f.conf.tmp", "f.conf");
  Analysis a(b, {"atomic@f.conf"}, {ModelKind::kPosix});
  BOOST_TEST_INFO(a.text());
  BOOST_TEST(a.report.clean());
  BOOST_TEST(a.explanation.fsyncs_analyzed);
  BOOST_REQUIRE_EQUAL(a.explanation.durability.size(), 2u);
  BOOST_TEST(a.explanation.durability[0].seq == first);  // trace order
  BOOST_TEST(a.explanation.durability[1].seq == second);
  BOOST_TEST(a.explanation.durability[0].needed);
  BOOST_TEST(a.explanation.durability[0].needed_by.find("atomic: not-atomic in f.conf") != std::string::npos);
  BOOST_TEST(!a.explanation.durability[1].needed);
  BOOST_TEST(a.explanation.durability[1].needed_by.empty());
}

// An fsync of a file no checker reads (under any name it had), or of a
// directory with nothing a checker reads below it, cannot change a verdict:
// it is not re-explored, and the report says why.  A temporary file renamed
// onto a file a checker reads is read, under its later name.
BOOST_AUTO_TEST_CASE(an_fsync_of_a_file_no_checker_reads_is_not_tested_and_says_why) {
  TraceBuilder b;
  b.existing_file("f.conf", "old = 1\n");
  b.create("app.log").append("app.log", "starting\n").fsync("app.log");
  const Seq log_sync = b.last_seq();
  b.mkdir("logs").create("logs/1.log").append("logs/1.log", "one\n").fsyncdir("logs");
  const Seq logs_sync = b.last_seq();
  b.create("f.conf.tmp").append("f.conf.tmp", "new = 2\nmore = 3\n").fsync("f.conf.tmp");
  const Seq conf_sync = b.last_seq();
  b.rename("f.conf.tmp", "f.conf").fsyncdir("");
  const Seq root_sync = b.last_seq();
  Analysis a(b, {"atomic@f.conf"}, {ModelKind::kPosix});
  BOOST_TEST_INFO(a.text());
  BOOST_TEST(a.explanation.fsyncs_analyzed);
  const DurabilityVerdict* log = a.verdict_for(log_sync);
  const DurabilityVerdict* logs = a.verdict_for(logs_sync);
  const DurabilityVerdict* conf = a.verdict_for(conf_sync);
  const DurabilityVerdict* root = a.verdict_for(root_sync);
  BOOST_REQUIRE(log && logs && conf && root);
  BOOST_TEST(!log->needed);
  BOOST_TEST(log->why_not.find("no checker reads this file") != std::string::npos, log->why_not);
  BOOST_TEST(!logs->needed);
  BOOST_TEST(logs->why_not.find("no checker reads anything in this directory") != std::string::npos, logs->why_not);
  BOOST_TEST(conf->needed);  // f.conf.tmp becomes f.conf
  BOOST_TEST(conf->why_not.empty());
  BOOST_TEST(root->why_not.empty());  // tested: f.conf is in it
}

// Removing an fdatasync does not remove the promise the program got from
// it (CheckOptions::history): the entry it acknowledged is then lost-acked.
// The last fdatasync of the trace is the edge case: with it removed, the
// last crash point of the shorter trace still carries its promise.
BOOST_AUTO_TEST_CASE(every_fdatasync_that_acknowledges_a_journal_entry_is_needed) {
  AckedJournal t(3);
  Analysis a(t.b, {"journal:u32le+crc32c@data.log"}, {ModelKind::kPosix});
  BOOST_TEST_INFO(a.text());
  BOOST_TEST(a.report.clean());
  BOOST_TEST(a.explanation.fsyncs_analyzed);
  BOOST_REQUIRE_EQUAL(a.explanation.durability.size(), t.fdatasyncs.size());
  for (Seq seq : t.fdatasyncs) {
    const DurabilityVerdict* v = a.verdict_for(seq);
    BOOST_REQUIRE_MESSAGE(v != nullptr, "no verdict for #" << seq);
    BOOST_TEST(v->needed, "#" << seq);
    BOOST_TEST(v->needed_by.find("lost-acked") != std::string::npos, "#" << seq << ": " << v->needed_by);
    BOOST_TEST(v->needed_by.find("data.log") != std::string::npos);
  }
  const DurabilityVerdict* last = a.verdict_for(t.fdatasyncs.back());
  // The last fdatasync acknowledged the third entry: without it, states lack it.
  BOOST_TEST(last->needed_by.find("acknowledged: 3 entries") != std::string::npos, last->needed_by);
}

BOOST_AUTO_TEST_CASE(half_entries_left_by_the_program_itself_have_no_fix_and_say_why) {
  TraceBuilder b;
  half_entries(b);
  Analysis a(b, {"journal:u32le+crc32c@data.log"}, {ModelKind::kProcessKill});
  BOOST_TEST_INFO(a.text());
  BOOST_REQUIRE_EQUAL(a.explanation.groups.size(), 1u);
  const ViolationGroup& g = a.explanation.groups[0];
  BOOST_TEST(g.grade == "mid-file-damage");
  BOOST_TEST(to_string(g.kind) == "atomicity");  // nothing lost: the program's own partial writes
  BOOST_TEST(has_model(g, ModelKind::kProcessKill));
  BOOST_TEST(!g.fix.has_value());
  BOOST_TEST(g.no_fix_reason.find("process kill") != std::string::npos);
  BOOST_TEST(g.no_fix_reason.find("single writer") != std::string::npos);
  // The operations shown are the program's own writes, not crash losses.
  BOOST_REQUIRE(!g.ops.empty());
  for (const OpDescription& op : g.ops) BOOST_TEST(op.role == "written");
}

BOOST_AUTO_TEST_CASE(a_torn_write_in_the_cause_makes_the_group_atomicity) {
  TraceBuilder b;
  b.existing_file("f.conf", "old = 1\n");
  b.create("f.conf.tmp").append("f.conf.tmp", std::string(9000, 'x'));
  const Seq write = b.last_seq();
  b.rename("f.conf.tmp", "f.conf");
  Analysis a(b, {"atomic@f.conf"}, {ModelKind::kPosix});
  BOOST_TEST_INFO(a.text());
  const auto torn = std::find_if(a.explanation.groups.begin(), a.explanation.groups.end(),
                                 [](const ViolationGroup& g) { return op_with_role(g, "torn") != nullptr; });
  BOOST_REQUIRE(torn != a.explanation.groups.end());
  BOOST_TEST(to_string(torn->kind) == "atomicity");
  BOOST_TEST(op_with_role(*torn, "torn")->seq == write);
  BOOST_REQUIRE(torn->fix.has_value());
  BOOST_TEST(torn->fix->verified);  // the same fsync before the rename
  for (const ViolationGroup& g : a.explanation.groups)
    if (op_with_role(g, "torn") == nullptr) BOOST_TEST(to_string(g.kind) == "ordering");
}

BOOST_AUTO_TEST_CASE(many_violating_states_of_one_bug_under_two_models_form_one_group) {
  TraceBuilder b;
  b.existing_file("f.conf", "old = 1\n");
  b.create("f.conf.tmp").append("f.conf.tmp", "a = 1\n").append("f.conf.tmp", "b = 2\n").append("f.conf.tmp", "c = 3\n");
  const Seq last_write = b.last_seq();
  b.rename("f.conf.tmp", "f.conf");
  Analysis a(b, {"atomic@f.conf"}, {ModelKind::kPosix, ModelKind::kExt4Ordered});
  BOOST_TEST_INFO(a.text());
  std::set<std::string> states;
  for (const StateViolation& sv : a.report.violations) states.insert(sv.state_id);
  BOOST_TEST(states.size() > 10u);
  BOOST_REQUIRE_EQUAL(a.explanation.groups.size(), 1u);
  const ViolationGroup& g = a.explanation.groups[0];
  BOOST_TEST(g.violations == a.report.violations.size());
  BOOST_TEST(g.states == states.size());
  BOOST_TEST(has_model(g, ModelKind::kPosix));
  BOOST_TEST(has_model(g, ModelKind::kExt4Ordered));
  BOOST_TEST(states.count(g.example_state) == 1u);
  BOOST_REQUIRE(g.fix.has_value());
  BOOST_TEST(g.fix->after_op == last_write);  // after the file's LAST write before the rename
  BOOST_TEST(g.fix->verified);
}

// A bug a process kill shows comes before every bug only power loss shows,
// even one with a graver grade: it happens on every abort.
BOOST_AUTO_TEST_CASE(process_kill_groups_come_first) {
  testing::LengthPrefixedWriter w("u32le");
  TraceBuilder b;
  b.existing_file("f.conf", "old = 1\n").existing_file("data.log", "");
  // Rewritten in place: a kill between the writes leaves half a file.
  b.open("f.conf", 01001).write("f.conf", 0, "new = 2\n").write("f.conf", 8, "more = 3\n").release("f.conf");
  // Appended without fsync or checksum: a power loss can zero an entry.
  std::uint64_t at = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string e = w.entry(i, at);
    b.append("data.log", e);
    at += e.size();
  }
  Analysis a(b, {"atomic@f.conf", "journal:u32le@data.log"}, {ModelKind::kProcessKill, ModelKind::kPosix});
  BOOST_TEST_INFO(a.text());
  const auto& groups = a.explanation.groups;
  BOOST_REQUIRE(groups.size() >= 2u);
  BOOST_TEST(has_model(groups[0], ModelKind::kProcessKill));
  BOOST_TEST(groups[0].checker == "atomic");
  bool seen_power_loss_only = false, power_loss_journal = false;
  for (const ViolationGroup& g : groups) {
    if (!has_model(g, ModelKind::kProcessKill)) {
      seen_power_loss_only = true;
      if (g.checker == "journal:u32le") power_loss_journal = true;
    } else {
      BOOST_TEST(!seen_power_loss_only, "process-kill group " << g.path << " after a power-loss-only group");
    }
  }
  // The journal's grades (silent-corruption, mid-file-damage) rank above
  // not-atomic, so grade alone would have put it first.
  BOOST_TEST(power_loss_journal);
}

// The fix of one file's group is judged by that group only: another file
// whose name merely contains this one's ("data.conf" contains "a.conf"),
// with a bug no fsync fixes, must not make it "unverified".
BOOST_AUTO_TEST_CASE(a_fix_is_verified_against_its_own_group_not_a_file_with_a_similar_name) {
  TraceBuilder b;
  b.existing_file("a.conf", "a = 1\n").existing_file("data.conf", "d = 1\n");
  b.create("a.conf.tmp").append("a.conf.tmp", "a = 2\n").rename("a.conf.tmp", "a.conf");
  b.open("data.conf", 01001).write("data.conf", 0, "d = 2\n").release("data.conf");
  Analysis a(b, {"atomic@*.conf"}, {ModelKind::kProcessKill, ModelKind::kPosix});
  BOOST_TEST_INFO(a.text());
  BOOST_REQUIRE_EQUAL(a.explanation.groups.size(), 2u);
  BOOST_TEST(a.explanation.groups[0].path == "data.conf");
  BOOST_TEST(!a.explanation.groups[0].fix.has_value());
  const ViolationGroup& renamed = a.explanation.groups[1];
  BOOST_TEST(renamed.path == "a.conf");
  BOOST_REQUIRE(renamed.fix.has_value());
  BOOST_TEST(renamed.fix->path == "a.conf.tmp");
  BOOST_TEST(renamed.fix->verified);
  BOOST_TEST(renamed.no_fix_reason.empty());
}

// Instances of one bug differ in counters, pids, hashes and random
// suffixes; every word that holds a digit or mixes the cases folds, names
// stay.
BOOST_AUTO_TEST_CASE(shapes_fold_every_word_that_holds_a_digit) {
  BOOST_TEST(fold_instance_words("m.pyc.1368") == "m.pyc.#");
  BOOST_TEST(fold_instance_words("objects/3f/a1c9e0b2") == "objects/#/#");
  BOOST_TEST(fold_instance_words("objects/pack/tmp_pack_Xy7aQ") == "objects/pack/tmp_pack_#");
  BOOST_TEST(fold_instance_words("objects/bf/tmp_obj_dFQrkI") == "objects/bf/tmp_obj_#");
  BOOST_TEST(fold_instance_words("HEAD") == "HEAD");
  BOOST_TEST(fold_instance_words("Makefile") == "Makefile");
  BOOST_TEST(path_shape("__pycache__/foo.cpython-311.pyc.14") == "__pycache__/*.cpython-#.pyc.#");
  BOOST_TEST(path_shape("objects/3f/a1c9e0b2") == path_shape("objects/e0/77d1c3aa"));
  BOOST_TEST(path_shape("refs/heads/main") == "refs/heads/main");
  BOOST_TEST(message_shape("entry 12 at 0x1f3a: crc (a1 b2) mismatch") == "entry # at #: crc (…) mismatch");
}
