// The explorer: dedup, determinism, shards, exhaustive vs bounded, the
// --max-states cap, ids that rebuild their states, and scale.
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>
#include <vector>

#include "core/explorer.h"
#include "core/state_dump.h"
#include "core/trace_builder.h"

using namespace crashfs;

namespace {

struct Run {
  ExploreSummary summary;
  std::vector<std::string> ids;
};

Run explore(const Trace& trace, ExploreOptions options, BaseContent* base = nullptr) {
  Explorer ex(trace, base);
  Run run;
  run.summary = ex.explore(options, [&](const ExploredState& s) { run.ids.push_back(s.id()); });
  return run;
}

TraceBuilder many_unsynced_writes(int n) {
  TraceBuilder b;
  b.create("a").create("b");
  for (int i = 0; i < n; ++i) b.append(i % 2 ? "a" : "b", std::string(5000, static_cast<char>('a' + i % 26)));
  b.fsync("a").rename("a", "c");
  return b;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_durability_point_adds_no_new_process_kill_state) {
  TraceBuilder b;
  b.create("f").append("f", "1").fsync("f").append("f", "2");
  ExploreOptions options;
  options.models = {ModelKind::kProcessKill};
  const Run run = explore(b.build(), options);
  BOOST_TEST(run.summary.models[0].crash_points == 4u);
  BOOST_TEST(run.summary.models[0].generated == 4u);
  BOOST_TEST(run.summary.models[0].distinct == 3u);
  BOOST_TEST((run.ids == std::vector<std::string>{"process-kill@4", "process-kill@5", "process-kill@7"}));
}

BOOST_AUTO_TEST_CASE(small_points_are_exhaustive_and_large_ones_bounded) {
  TraceBuilder small;
  small.create("f").append("f", "x").rename("f", "g");
  ExploreOptions options;
  options.models = {ModelKind::kPosix, ModelKind::kExt4Ordered};
  const Run a = explore(small.build(), options);
  for (const ModelSummary& m : a.summary.models) {
    BOOST_TEST(m.exhaustive_points == m.crash_points);
    BOOST_TEST(m.bounded_points == 0u);
  }
  const Run b = explore(many_unsynced_writes(40).build(), options);
  for (const ModelSummary& m : b.summary.models) {
    BOOST_TEST(m.bounded_points > 0u);
    BOOST_TEST(m.exhaustive_points + m.bounded_points == m.crash_points);
    BOOST_TEST(m.distinct <= m.generated);
    BOOST_TEST(m.emitted == m.distinct);
  }
}

BOOST_AUTO_TEST_CASE(exploration_is_deterministic_for_a_seed) {
  const Trace trace = many_unsynced_writes(30).build();
  ExploreOptions options;
  options.models = {ModelKind::kPosix};
  options.seed = 5;
  const Run a = explore(trace, options);
  const Run b = explore(trace, options);
  BOOST_TEST(a.ids == b.ids);
  options.seed = 6;
  const Run c = explore(trace, options);
  BOOST_TEST(a.ids != c.ids);  // the random passes differ
}

BOOST_AUTO_TEST_CASE(shards_partition_the_distinct_states_with_the_same_ids) {
  const Trace trace = many_unsynced_writes(30).build();
  ExploreOptions options;
  options.models = {ModelKind::kPosix, ModelKind::kExt4Ordered};
  const Run whole = explore(trace, options);
  std::multiset<std::string> joined;
  for (std::uint32_t k = 0; k < 3; ++k) {
    options.shard = k;
    options.shards = 3;
    const Run part = explore(trace, options);
    BOOST_TEST(!part.ids.empty());
    joined.insert(part.ids.begin(), part.ids.end());
  }
  const std::multiset<std::string> expected(whole.ids.begin(), whole.ids.end());
  BOOST_TEST(joined == expected);  // a multiset: disjoint and complete
}

BOOST_AUTO_TEST_CASE(max_states_is_a_hard_limit_and_says_what_it_cut) {
  const Trace trace = many_unsynced_writes(40).build();
  ExploreOptions options;
  options.models = {ModelKind::kPosix};
  const Run free = explore(trace, options);
  BOOST_TEST(free.summary.models[0].per_point_cap == 0u);
  BOOST_TEST(free.summary.models[0].generated == free.summary.models[0].planned);
  options.max_states = free.summary.models[0].generated / 2;
  const Run capped = explore(trace, options);
  const ModelSummary& m = capped.summary.models[0];
  BOOST_TEST(m.generated <= options.max_states);
  BOOST_TEST(m.per_point_cap > 0u);
  BOOST_TEST(m.capped_points > 0u);
  options.max_states = 1;  // a hard limit, even below one state per point
  BOOST_TEST(explore(trace, options).summary.models[0].generated == 1u);
}

BOOST_AUTO_TEST_CASE(every_explored_id_rebuilds_its_state) {
  TraceBuilder b = many_unsynced_writes(12);
  b.existing_file("old", "OLD").unlink("old").mkdir("d").symlink("d/l", "x").fsyncdir("");
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  Explorer ex(trace, &base);
  ExploreOptions options;
  options.models = {ModelKind::kPosix, ModelKind::kExt4Ordered, ModelKind::kSyncedOnly, ModelKind::kProcessKill};
  options.sector = 1024;
  std::size_t checked = 0;
  ex.explore(options, [&](const ExploredState& s) {
    StateSpec spec;
    BOOST_REQUIRE(StateSpec::parse(s.id(), spec).is_ok());
    std::shared_ptr<const StateView> rebuilt;
    const Status st = ex.view(spec, rebuilt);
    BOOST_REQUIRE_MESSAGE(st.is_ok(), st.message());
    BOOST_REQUIRE_MESSAGE(dump_state(*rebuilt, true) == dump_state(*s.state(), true), s.id());
    const CheckContext ctx = s.context();
    BOOST_TEST(ctx.crash_point == s.crash_seq());
    BOOST_TEST(!s.description().empty());
    ++checked;
  });
  BOOST_TEST(checked > 100u);
}

BOOST_AUTO_TEST_CASE(the_check_context_holds_completed_and_acked_states) {
  TraceBuilder b;
  b.existing_file("log", "").append("log", "one").fdatasync("log").append("log", "two");
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  Explorer ex(trace, &base);
  ExploreOptions options;
  bool seen = false;
  ex.explore(options, [&](const ExploredState& s) {
    if (s.point() != trace.ops().size() - 1) return;
    const CheckContext ctx = s.context();
    BOOST_TEST(ctx.completed.read(*ctx.completed.find("log")) == "onetwo");
    BOOST_TEST(s.acked()->read(*s.acked()->find("log")) == "one");  // the synced-only state
    BOOST_TEST(ctx.versions.was_complete("log", hash_bytes(""), ctx.crash_point));
    seen = true;
  });
  BOOST_TEST(seen);
}

BOOST_AUTO_TEST_CASE(specs_a_model_does_not_allow_are_refused_with_the_reason) {
  TraceBuilder b;
  b.existing_dir("d1").existing_dir("d2").create("d1/x").append("d1/x", "abc").fsync("d1/x").create("d2/y")
      .fsyncdir("d2").create("d1/z");
  const Trace trace = b.build();
  Explorer ex(trace, nullptr);
  auto refuse = [&](const std::string& id, const std::string& why) {
    StateSpec spec;
    Status st = StateSpec::parse(id, spec);
    if (st) {
      FsImage image;
      st = ex.build(spec, image);
    }
    BOOST_TEST(!st.is_ok(), id);
    BOOST_TEST(st.message().find(why) != std::string::npos, st.message());
  };
  const Seq create_x = trace.op(0).seq, write_x = trace.op(1).seq, create_z = trace.op(5).seq;
  const std::string last = std::to_string(create_z);
  refuse("posix@" + last + "-o" + std::to_string(write_x), "durable");
  refuse("posix@999", "no operation 999");
  refuse("process-kill@" + last + "-o" + std::to_string(create_z), "list no operations");
  refuse("ext4-ordered@" + last + "-o" + std::to_string(create_x), "precedes durable metadata");
  refuse("posix@" + last + "-t" + std::to_string(create_x) + "s0", "not a write");
  refuse("posix@" + last + "-z" + std::to_string(create_x), "not a write that grows");
  refuse("nonsense@1", "unknown model");
  refuse("posix@1-q3", "unknown part");
  refuse("posix@1-o5,3", "ascend");
  FsImage ok;
  StateSpec spec;
  BOOST_REQUIRE(StateSpec::parse("posix@" + last + "-o" + std::to_string(create_z), spec).is_ok());
  BOOST_TEST(ex.build(spec, ok).is_ok());
}

BOOST_AUTO_TEST_CASE(state_ids_round_trip) {
  StateSpec spec;
  spec.model = ModelKind::kPosix;
  spec.sector = 512;
  spec.point = OpId{41, 2};
  spec.omitted = {{30, 38}, {40, 40}};
  spec.torn = {{39, {{0, 0}, {2, 5}}}};
  spec.zeroed = {36, 37};
  const std::string id = spec.id();
  BOOST_TEST(id == "posix:512@41.2-o30:38,40-t39s0,2:5-z36,37");
  StateSpec parsed;
  BOOST_REQUIRE(StateSpec::parse(id, parsed).is_ok());
  BOOST_TEST((parsed == spec));
  BOOST_TEST(StateSpec::parse("process-kill@7", parsed).is_ok());
  BOOST_TEST(parsed.id() == "process-kill@7");
  BOOST_TEST(!StateSpec::parse("posix@41.0", parsed).is_ok());
  BOOST_TEST(!StateSpec::parse("posix@41-o", parsed).is_ok());
  BOOST_TEST(!StateSpec::parse("synced-only:512@4", parsed).is_ok());
}

BOOST_AUTO_TEST_CASE(a_hundred_thousand_appends_explore_in_bounded_memory) {
  TraceBuilder b;
  b.create("log");
  for (int i = 0; i < 100000; ++i) b.append("log", "entry-0123456789\n");
  const Trace trace = b.build();
  ExploreOptions options;
  options.models = {ModelKind::kProcessKill, ModelKind::kPosix};
  options.max_states = 300000;
  const Run run = explore(trace, options);
  const ModelSummary& pk = run.summary.models[0];
  BOOST_TEST(pk.crash_points == 100001u);
  BOOST_TEST(pk.distinct == 100001u);
  const ModelSummary& posix = run.summary.models[1];
  BOOST_TEST(posix.bounded_points > 99000u);
  BOOST_TEST(posix.generated <= 300000u);
  BOOST_TEST(posix.distinct > 100001u);
}

// A rename long before the fsync that commits ext4's journal, acknowledged
// at once, with more metadata operations after it than the bounded window
// looks back over and a budget of about two states per point for the rest: a
// capped run must still show the rename lost after its acknowledgement (the
// state the checker judges against the promise), at the last point before
// the commit.
BOOST_AUTO_TEST_CASE(capped_ext4_cuts_each_unsynced_metadata_operation_at_its_last_point) {
  TraceBuilder b;
  b.create("log").create("tmp").append("tmp", "new").rename("tmp", "target");
  const std::size_t rename = 3;
  for (int i = 0; i < 40; ++i) b.append("log", std::string(100, 'x'));  // growing: metadata too
  b.fsync("log");
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  ExploreOptions options;
  options.models = {ModelKind::kExt4Ordered};
  options.samples = 0;  // no lucky random cut
  options.epochs.assign(trace.ops().size(), 1);
  for (std::size_t i = 0; i <= rename; ++i) options.epochs[i] = 0;  // acknowledged after the rename
  options.max_states = 200;  // every cut and lost write (at most half), about two states per point for the rest
  const std::size_t before_commit = trace.ops().size() - 2;
  std::vector<std::size_t> lost_at;
  Explorer ex(trace, &base);
  const ExploreSummary summary = ex.explore(options, [&](const ExploredState& s) {
    const FileEntry* tmp = s.state()->find("tmp");
    if (s.point() > rename && s.state()->find("target") == nullptr && tmp != nullptr && s.state()->read(*tmp) == "new")
      lost_at.push_back(s.point());
  });
  BOOST_TEST(summary.models[0].generated <= options.max_states);
  BOOST_TEST(summary.models[0].single_deviations > 0u);
  BOOST_TEST((lost_at == std::vector<std::size_t>{before_commit}));
}
