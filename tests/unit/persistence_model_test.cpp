// One test per persistence rule: what each model lets survive at a crash point.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/explorer.h"
#include "core/trace_builder.h"

using namespace crashfs;

namespace {

// What a file looks like in one state: nullopt when absent.
using Content = std::optional<std::string>;

struct States {
  TraceBuilder builder;
  Trace trace;
  MemoryBaseContent base;
  std::unique_ptr<Explorer> explorer;
  ExploreOptions options;

  explicit States(TraceBuilder b) : builder(std::move(b)), trace(builder.build()), base(builder.base()) {
    explorer = std::make_unique<Explorer>(trace, &base);
    options.exhaustive_limit = 1 << 16;
  }
  // The contents `path` has across the states `model` allows after the op with seq `seq`.
  std::vector<Content> at(ModelKind model, Seq seq, const std::string& path) {
    std::vector<Content> out;
    const auto point = trace.find_op(OpId{seq, 0});
    BOOST_REQUIRE(point.has_value());
    explorer->for_each_state_at(model, *point, options, [&](const ExploredState& s) {
      auto view = s.state();
      const FileEntry* e = view->find(path);
      out.push_back(e ? Content(view->read(*e)) : std::nullopt);
    });
    return out;
  }
  const FileEntry* entry(ModelKind model, Seq seq, const std::string& path, std::shared_ptr<const StateView>& keep) {
    const auto point = trace.find_op(OpId{seq, 0});
    const FileEntry* found = nullptr;
    explorer->for_each_state_at(model, *point, options, [&](const ExploredState& s) {
      keep = s.state();
      found = keep->find(path);
    });
    return found;
  }
};

bool has(const std::vector<Content>& v, const Content& c) { return std::find(v.begin(), v.end(), c) != v.end(); }
bool all(const std::vector<Content>& v, const std::function<bool(const Content&)>& f) {
  return std::all_of(v.begin(), v.end(), f);
}

const std::string kBody(6000, 'B');  // spans two 4 KiB pieces

}  // namespace

BOOST_AUTO_TEST_CASE(rename_without_fsync_can_leave_a_zero_filled_file_under_posix_and_ext4) {
  TraceBuilder b;
  b.create("a.tmp").append("a.tmp", kBody).rename("a.tmp", "a");
  States s(std::move(b));
  const Seq rename = s.builder.last_seq();
  const Content zeros = std::string(kBody.size(), '\0');
  BOOST_TEST(has(s.at(ModelKind::kPosix, rename, "a"), zeros));
  BOOST_TEST(has(s.at(ModelKind::kExt4Ordered, rename, "a"), zeros));
  BOOST_TEST(has(s.at(ModelKind::kPosix, rename, "a"), std::string(4096, 'B') + std::string(kBody.size() - 4096, '\0')));
  BOOST_TEST(!has(s.at(ModelKind::kExt4Ordered, rename, "a"), std::string(4096, 'B') + std::string(kBody.size() - 4096, '\0')));
  const auto killed = s.at(ModelKind::kProcessKill, rename, "a");
  BOOST_TEST(killed.size() == 1u);
  BOOST_TEST((killed[0] == Content(kBody)));
}

BOOST_AUTO_TEST_CASE(fsync_before_rename_leaves_only_complete_or_absent_files) {
  TraceBuilder b;
  b.create("a.tmp").append("a.tmp", kBody).fsync("a.tmp").rename("a.tmp", "a");
  States s(std::move(b));
  const Seq rename = s.builder.last_seq();
  for (ModelKind m : {ModelKind::kPosix, ModelKind::kExt4Ordered, ModelKind::kSyncedOnly, ModelKind::kProcessKill}) {
    const auto states = s.at(m, rename, "a");
    BOOST_TEST(all(states, [](const Content& c) { return !c || *c == kBody; }), "model " << to_string(m));
  }
  // The rename itself is not durable: the file may still be missing.
  BOOST_TEST(has(s.at(ModelKind::kPosix, rename, "a"), std::nullopt));
}

BOOST_AUTO_TEST_CASE(fsyncdir_makes_the_rename_survive_under_synced_only) {
  TraceBuilder b;
  b.create("a.tmp").append("a.tmp", "data").fsync("a.tmp").rename("a.tmp", "a");
  const Seq rename = b.last_seq();
  b.fsyncdir("");
  States s(std::move(b));
  BOOST_TEST((s.at(ModelKind::kSyncedOnly, rename, "a") == std::vector<Content>{std::nullopt}));
  BOOST_TEST((s.at(ModelKind::kSyncedOnly, s.builder.last_seq(), "a") == std::vector<Content>{Content("data")}));
  BOOST_TEST((s.at(ModelKind::kSyncedOnly, s.builder.last_seq(), "a.tmp") == std::vector<Content>{std::nullopt}));
  for (const Content& c : s.at(ModelKind::kPosix, s.builder.last_seq(), "a")) BOOST_TEST((c == Content("data")));
}

BOOST_AUTO_TEST_CASE(fsyncdir_without_file_fsync_keeps_the_name_but_not_the_data) {
  TraceBuilder b;
  b.create("a").append("a", "data").fsyncdir("");
  States s(std::move(b));
  BOOST_TEST((s.at(ModelKind::kSyncedOnly, s.builder.last_seq(), "a") == std::vector<Content>{Content("")}));
}

BOOST_AUTO_TEST_CASE(file_fsync_alone_does_not_make_a_new_name_durable) {
  TraceBuilder b;
  b.create("a").append("a", "data").fsync("a");
  States s(std::move(b));
  BOOST_TEST((s.at(ModelKind::kSyncedOnly, s.builder.last_seq(), "a") == std::vector<Content>{std::nullopt}));
}

BOOST_AUTO_TEST_CASE(o_dsync_writes_are_durable_at_once) {
  TraceBuilder b;
  b.existing_file("log", "").append("log", "entry1", kWriteDsynced).append("log", "entry2");
  States s(std::move(b));
  const Seq last = s.builder.last_seq();
  BOOST_TEST((s.at(ModelKind::kSyncedOnly, last, "log") == std::vector<Content>{Content("entry1")}));
  BOOST_TEST(all(s.at(ModelKind::kPosix, last, "log"), [](const Content& c) { return c && c->starts_with("entry1"); }));
}

BOOST_AUTO_TEST_CASE(fdatasync_covers_data_and_size_but_not_the_mode) {
  TraceBuilder b;
  b.existing_file("f", "old").chmod("f", 0600).write("f", 0, "new-longer").fdatasync("f");
  States s(std::move(b));
  std::shared_ptr<const StateView> keep;
  const FileEntry* e = s.entry(ModelKind::kSyncedOnly, s.builder.last_seq(), "f", keep);
  BOOST_REQUIRE(e != nullptr);
  BOOST_TEST(keep->read(*e) == "new-longer");
  BOOST_TEST((e->mode & 07777) == 0644u);
  TraceBuilder b2;
  b2.existing_file("f", "old").chmod("f", 0600).fsync("f");
  States s2(std::move(b2));
  e = s2.entry(ModelKind::kSyncedOnly, s2.builder.last_seq(), "f", keep);
  BOOST_TEST((e->mode & 07777) == 0600u);
}

BOOST_AUTO_TEST_CASE(writes_tear_at_the_sector_size_given) {
  TraceBuilder b;
  b.existing_file("f", std::string(1024, 'o')).write("f", 0, std::string(1024, 'n'));
  States s(std::move(b));
  s.options.sector = 512;
  const auto states = s.at(ModelKind::kPosix, s.builder.last_seq(), "f");
  BOOST_TEST(has(states, std::string(512, 'n') + std::string(512, 'o')));
  BOOST_TEST(has(states, std::string(512, 'o') + std::string(512, 'n')));
  s.options.sector = 4096;  // one piece: whole or nothing
  const auto whole = s.at(ModelKind::kPosix, s.builder.last_seq(), "f");
  BOOST_TEST(whole.size() == 2u);
  BOOST_TEST(!has(whole, std::string(512, 'n') + std::string(512, 'o')));
}

BOOST_AUTO_TEST_CASE(a_rename_between_directories_needs_both_fsyncdirs) {
  TraceBuilder b;
  b.existing_dir("a").existing_dir("b").create("a/f").fsyncdir("a").rename("a/f", "b/f").fsyncdir("a");
  const Seq first_sync = b.last_seq();
  b.fsyncdir("b");
  States s(std::move(b));
  BOOST_TEST((s.at(ModelKind::kSyncedOnly, first_sync, "a/f") == std::vector<Content>{Content("")}));
  BOOST_TEST((s.at(ModelKind::kSyncedOnly, first_sync, "b/f") == std::vector<Content>{std::nullopt}));
  BOOST_TEST((s.at(ModelKind::kSyncedOnly, s.builder.last_seq(), "a/f") == std::vector<Content>{std::nullopt}));
  BOOST_TEST((s.at(ModelKind::kSyncedOnly, s.builder.last_seq(), "b/f") == std::vector<Content>{Content("")}));
}

BOOST_AUTO_TEST_CASE(an_unsynced_append_can_read_as_zeros_behind_a_persisted_size) {
  TraceBuilder b;
  b.existing_file("f", "data").append("f", "more");
  States s(std::move(b));
  const auto states = s.at(ModelKind::kPosix, s.builder.last_seq(), "f");
  BOOST_TEST(has(states, std::string("data\0\0\0\0", 8)));
  BOOST_TEST(has(states, Content("data")));
  BOOST_TEST(has(states, Content("datamore")));
}

BOOST_AUTO_TEST_CASE(ext4_ordered_keeps_metadata_in_program_order_but_posix_does_not) {
  TraceBuilder b;
  b.existing_file("a", "A").unlink("a").create("c");
  States s(std::move(b));
  const Seq last = s.builder.last_seq();
  auto both = [&](ModelKind m) {
    std::vector<std::pair<bool, bool>> out;  // (a present, c present)
    const auto point = s.trace.find_op(OpId{last, 0});
    s.explorer->for_each_state_at(m, *point, s.options, [&](const ExploredState& st) {
      out.emplace_back(st.state()->find("a") != nullptr, st.state()->find("c") != nullptr);
    });
    return out;
  };
  const auto posix = both(ModelKind::kPosix);
  const auto ext4 = both(ModelKind::kExt4Ordered);
  const std::pair<bool, bool> reordered{true, true};  // c created while a's unlink was lost
  BOOST_TEST((std::find(posix.begin(), posix.end(), reordered) != posix.end()));
  BOOST_TEST((std::find(ext4.begin(), ext4.end(), reordered) == ext4.end()));
}

BOOST_AUTO_TEST_CASE(ext4_ordered_keeps_metadata_before_a_durable_one) {
  TraceBuilder b;
  b.existing_dir("d1").existing_dir("d2").create("d1/x").create("d2/y").fsyncdir("d2");
  States s(std::move(b));
  const Seq last = s.builder.last_seq();
  BOOST_TEST(all(s.at(ModelKind::kExt4Ordered, last, "d1/x"), [](const Content& c) { return c.has_value(); }));
  BOOST_TEST(has(s.at(ModelKind::kPosix, last, "d1/x"), std::nullopt));
  BOOST_TEST(all(s.at(ModelKind::kPosix, last, "d2/y"), [](const Content& c) { return c.has_value(); }));
}

BOOST_AUTO_TEST_CASE(an_inserted_fsync_removes_the_zero_filled_state) {
  TraceBuilder b;
  b.create("a.tmp").append("a.tmp", kBody);
  const Seq write = b.last_seq();
  b.rename("a.tmp", "a");
  const Trace original = b.build();
  const auto write_op = original.find_op(OpId{write, 0});
  const Trace fixed = original.with_barrier(*write_op, RecordType::kFsync, b.node("a"));
  MemoryBaseContent base;
  Explorer explorer(fixed, &base);
  ExploreOptions options;
  const auto rename_op = fixed.find_op(OpId{b.last_seq(), 0});
  BOOST_REQUIRE(rename_op.has_value());
  bool zero_state = false;
  explorer.for_each_state_at(ModelKind::kPosix, *rename_op, options, [&](const ExploredState& s) {
    const FileEntry* e = s.state()->find("a");
    if (e && s.state()->read(*e) != kBody) zero_state = true;
  });
  BOOST_TEST(!zero_state);
  // And in the original trace it is there.
  Explorer before(original, &base);
  explorer.for_each_state_at(ModelKind::kPosix, *rename_op, options, [](const ExploredState&) {});
  before.for_each_state_at(ModelKind::kPosix, *original.find_op(OpId{b.last_seq(), 0}), options,
                           [&](const ExploredState& s) {
                             const FileEntry* e = s.state()->find("a");
                             if (e && s.state()->read(*e) != kBody) zero_state = true;
                           });
  BOOST_TEST(zero_state);
}
