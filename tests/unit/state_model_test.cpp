// The state model: persistent structures, FsImage's apply rules, views,
// base content, provenance and version history.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <map>
#include <random>
#include <string>

#include "core/explorer.h"
#include "core/fs_image.h"
#include "core/image_view.h"
#include "core/persistent_map.h"
#include "core/rope.h"
#include "core/state_builder.h"
#include "core/state_dump.h"
#include "core/trace_builder.h"
#include "core/trace_index.h"
#include "core/trace_versions.h"

using namespace crashfs;

namespace {

struct NoBase : BaseResolver {
  std::string_view base_bytes(NodeId) const override { return {}; }
};

// The final process-kill state of a built trace.
struct Final {
  Trace trace;
  MemoryBaseContent base;
  std::unique_ptr<TraceIndex> index;
  std::unique_ptr<StateBuilder> builder;
  std::shared_ptr<const ImageView> view;
  explicit Final(const TraceBuilder& b) : trace(b.build()), base(b.base()) {
    index = std::make_unique<TraceIndex>(trace);
    builder = std::make_unique<StateBuilder>(*index, &base);
    view = builder->view(builder->final_image());
  }
  std::string content(std::string_view path) const {
    const FileEntry* e = view->find(path);
    BOOST_REQUIRE_MESSAGE(e != nullptr, "no entry " << path);
    return view->read(*e);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(rope_matches_a_plain_string_under_random_edits_and_old_copies_stay_unchanged) {
  std::mt19937_64 rng(7);
  std::deque<std::string> storage;
  NoBase base;
  Rope rope;
  std::string model;
  std::vector<std::pair<Rope, std::string>> snapshots;
  for (int step = 0; step < 3000; ++step) {
    const int op = static_cast<int>(rng() % 5);
    const std::uint64_t off = rng() % (model.size() + 50);
    const std::uint64_t len = 1 + rng() % 40;
    if (op <= 1) {
      storage.emplace_back(len, static_cast<char>('a' + step % 26));
      rope.write(off, Extent::trace(storage.back(), step + 1));
      if (model.size() < off) model.resize(off, '\0');
      model.replace(off, std::min<std::uint64_t>(len, model.size() - off), storage.back());
    } else if (op == 2) {
      rope.resize(off, step + 1);
      model.resize(off, '\0');
    } else if (op == 3) {
      rope.zero_range(off, len, step + 1);
      if (off < model.size()) model.replace(off, std::min<std::uint64_t>(len, model.size() - off), std::min<std::uint64_t>(len, model.size() - off), '\0');
    } else {
      rope.remove_range(off, len);
      if (off < model.size()) model.erase(off, len);
    }
    if (step % 100 == 0) snapshots.emplace_back(rope, model);
    BOOST_REQUIRE_EQUAL(rope.size(), model.size());
  }
  BOOST_TEST(rope.read_all(base) == model);
  for (const auto& [r, m] : snapshots) BOOST_TEST(r.read_all(base) == m);
}

BOOST_AUTO_TEST_CASE(persistent_map_matches_std_map_and_copies_are_independent) {
  std::mt19937_64 rng(11);
  PersistentMap<std::uint64_t, std::uint64_t> map;
  std::map<std::uint64_t, std::uint64_t> model;
  auto before = map;
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t k = rng() % 300;
    if (rng() % 3 == 0) {
      map.erase(k);
      model.erase(k);
    } else {
      map.set(k, i);
      model[k] = i;
    }
    if (i == 2500) before = map;
  }
  BOOST_TEST(map.size() == model.size());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> listed;
  map.for_each([&](std::uint64_t k, std::uint64_t v) { listed.emplace_back(k, v); });
  BOOST_TEST((listed == std::vector<std::pair<std::uint64_t, std::uint64_t>>(model.begin(), model.end())));
  BOOST_TEST(before.size() != 0);
  BOOST_TEST(!before.same_as(map));
}

BOOST_AUTO_TEST_CASE(final_state_follows_entry_operations_like_a_file_system) {
  TraceBuilder b;
  b.existing_dir("d").existing_file("d/old", "OLD").existing_file("keep", "KEEP")
      .create("d/a.tmp").append("d/a.tmp", "hello").rename("d/a.tmp", "d/old")  // replaces a pre-existing file
      .mkdir("e").symlink("e/link", "../d/old").create("e/x").link("e/x", "e/y").unlink("e/x")
      .create("p").append("p", "P").create("q").append("q", "Q").rename("p", "q", kRenameExchange);
  Final f(b);
  BOOST_TEST(dump_state(*f.view).find("d/a.tmp") == std::string::npos);
  BOOST_TEST(f.content("d/old") == "hello");
  BOOST_TEST(f.content("keep") == "KEEP");  // from the base (final tree)
  BOOST_TEST(f.content("e/link") == "../d/old");
  BOOST_TEST((f.view->find("e/link")->kind == NodeKind::kSymlink));
  BOOST_TEST(f.view->find("e/x") == nullptr);
  BOOST_TEST(f.view->find("e/y") != nullptr);
  BOOST_TEST(f.content("p") == "Q");
  BOOST_TEST(f.content("q") == "P");
  std::vector<std::string> paths;
  for (const FileEntry& e : f.view->entries()) paths.push_back(e.path);
  BOOST_TEST(std::is_sorted(paths.begin(), paths.end()));
  BOOST_TEST(paths.size() == 8u);  // d d/old e e/link e/y keep p q
}

BOOST_AUTO_TEST_CASE(pre_existing_files_read_pre_image_or_base_at_their_final_path) {
  TraceBuilder b;
  b.existing_file("changed", "ORIGINAL").existing_file("moved", "UNCHANGED")
      .write("changed", 0, "X")                 // PreImage of "changed" first
      .mkdir("sub").rename("moved", "sub/moved");  // unchanged: base at the final path
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  BOOST_TEST(base.files().count("sub/moved") == 1u);
  BOOST_TEST(base.files().count("changed") == 0u);
  TraceIndex index(trace);
  StateBuilder builder(index, &base);
  auto initial = builder.view(builder.initial());
  BOOST_TEST(initial->read(*initial->find("changed")) == "ORIGINAL");
  BOOST_TEST(initial->read(*initial->find("moved")) == "UNCHANGED");
  auto last = builder.view(builder.final_image());
  BOOST_TEST(last->read(*last->find("changed")) == "XRIGINAL");
  BOOST_TEST(last->read(*last->find("sub/moved")) == "UNCHANGED");
  BOOST_TEST(builder.base().status().is_ok());
}

BOOST_AUTO_TEST_CASE(missing_base_content_reads_as_zeros_and_is_reported) {
  TraceBuilder b;
  b.existing_file("f", "ABC").create("g");
  const Trace trace = b.build();
  TraceIndex index(trace);
  StateBuilder builder(index, nullptr);
  auto view = builder.view(builder.final_image());
  BOOST_TEST(view->read(*view->find("f")) == std::string(3, '\0'));
  BOOST_TEST(!builder.base().status().is_ok());
  BOOST_TEST(builder.base().status().message().find("'f'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(operations_on_missing_targets_have_no_effect) {
  TraceBuilder b;
  b.create("a").append("a", "data").mkdir("d").create("d/f");
  const Trace trace = b.build();
  FsImage image = FsImage::initial(trace);
  // Apply everything but the create of "a": its write and nothing else fails.
  for (std::size_t i = 0; i < trace.ops().size(); ++i) {
    const Record& rec = trace.op(i);
    Persisted how;
    if (i == 0) how.kind = Persisted::Kind::kOmit;
    image.apply(rec, how);
  }
  BOOST_TEST(image.resolve("a") == 0u);
  BOOST_TEST(image.resolve("d/f") != 0u);
}

BOOST_AUTO_TEST_CASE(hostile_renames_cannot_make_a_directory_its_own_ancestor) {
  TraceBuilder b;
  b.mkdir("a").mkdir("a/b");
  Record rec;  // rename a -> a/b/a: the kernel would refuse
  rec.type = RecordType::kRename;
  rec.node = b.node("a");
  rec.parent = kRootNode;
  rec.name = b.keep("a");
  rec.new_parent = b.node("a/b");
  rec.new_name = b.keep("a");
  b.add(rec);
  Final f(b);
  BOOST_TEST(f.view->find("a/b") != nullptr);
  BOOST_TEST(f.view->entries().size() == 2u);
}

BOOST_AUTO_TEST_CASE(provenance_names_the_write_behind_each_byte_and_the_zeros) {
  TraceBuilder b;
  b.create("f").write("f", 0, "aaaa");
  const Seq first = b.last_seq();
  b.write("f", 8, "bbbb");
  const Seq second = b.last_seq();
  Final f(b);
  const FileEntry* e = f.view->find("f");
  const auto prov = f.view->provenance(*e, 0, e->size);
  BOOST_REQUIRE_EQUAL(prov.size(), 3u);
  BOOST_TEST(prov[0].seq == first);
  BOOST_TEST(!prov[0].zeros);
  BOOST_TEST((prov[1].zeros && prov[1].offset == 4 && prov[1].length == 4));
  BOOST_TEST(prov[2].seq == second);
  BOOST_TEST((e->hash == hash_bytes(f.view->read(*e))));
}

BOOST_AUTO_TEST_CASE(each_crash_point_costs_its_change_and_older_states_stay_valid) {
  TraceBuilder b;
  b.create("log");
  for (int i = 0; i < 20000; ++i) b.append("log", "0123456789abcdef");
  const Trace trace = b.build();
  TraceIndex index(trace);
  StateBuilder builder(index, nullptr);
  const FsImage& last = builder.final_image();
  const FsImage& middle = builder.process_kill(10000);
  BOOST_TEST(last.node(last.resolve("log"))->content.size() == 20000u * 16);
  BOOST_TEST(middle.node(middle.resolve("log"))->content.size() == 10000u * 16);
  BOOST_TEST(middle.node(middle.resolve("log"))->content.extent_count() == 10000u);
}

BOOST_AUTO_TEST_CASE(versions_record_contents_complete_at_release_fsync_and_rename) {
  TraceBuilder b;
  b.existing_file("conf", "v0").create("conf.tmp").append("conf.tmp", "v1").release("conf.tmp");
  const Seq released = b.last_seq();
  b.rename("conf.tmp", "conf");
  const Seq renamed = b.last_seq();
  b.create("log").append("log", "half").append("log", "-full").fsync("log");
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  TraceIndex index(trace);
  StateBuilder builder(index, &base);
  TraceVersions versions(builder);
  BOOST_TEST(versions.was_complete("conf", hash_bytes("v0"), 0));
  BOOST_TEST(versions.was_complete("conf.tmp", hash_bytes("v1"), released));
  BOOST_TEST(!versions.was_complete("conf", hash_bytes("v1"), released));
  BOOST_TEST(versions.was_complete("conf", hash_bytes("v1"), renamed));
  BOOST_TEST(versions.was_complete("log", hash_bytes("half-full"), b.last_seq()));
  BOOST_TEST(!versions.was_complete("log", hash_bytes("half"), b.last_seq()));
}

// A writer killed after the last write of an in-place update, before the
// close that completes it, has left the complete version; killed between
// two writes of one update, it has not.  A rename does not complete the
// target path's bytes before it happens.
BOOST_AUTO_TEST_CASE(an_in_place_update_is_complete_once_its_last_write_is_done) {
  TraceBuilder b;
  b.existing_file("conf", "v0").open("conf", 01).write("conf", 0, "v1");
  const Seq one_write = b.last_seq();
  b.release("conf").open("conf", 01).write("conf", 0, "x");
  const Seq first_of_two = b.last_seq();
  b.write("conf", 1, "2").release("conf");
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  TraceIndex index(trace);
  StateBuilder builder(index, &base);
  TraceVersions versions(builder);
  BOOST_TEST(versions.was_complete("conf", hash_bytes("v1"), one_write));
  BOOST_TEST(!versions.was_complete("conf", hash_bytes("x0"), first_of_two));
  BOOST_TEST(versions.was_complete("conf", hash_bytes("x2"), b.last_seq()));
}

BOOST_AUTO_TEST_CASE(a_whiteout_rename_leaves_a_new_character_device_at_the_old_name) {
  TraceBuilder b;
  b.create("x").append("x", "X").rename("x", "y", kRenameWhiteout);
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  TraceIndex index(trace);
  StateBuilder builder(index, &base);
  const FsImage& last = builder.final_image();
  const NodeId whiteout = last.resolve("x");
  BOOST_REQUIRE(whiteout != 0);
  BOOST_TEST(whiteout != last.resolve("y"));
  BOOST_TEST(whiteout == b.node("x"));
  const FsNode* n = last.node(whiteout);
  BOOST_TEST((n->kind == NodeKind::kSpecial));
  BOOST_TEST(n->mode == static_cast<std::uint32_t>(S_IFCHR));
  BOOST_TEST(n->rdev == 0u);
  auto view = builder.view(last);
  BOOST_TEST(view->read(*view->find("y")) == "X");
}

BOOST_AUTO_TEST_CASE(the_initial_tree_keeps_link_groups_xattrs_owners_and_device_numbers) {
  TraceBuilder b;
  b.existing_file("a", "A", 0104755).existing_dir("d").existing_link("a", "d/b").existing_xattr("a", "trusted.k", "v")
      .existing_special("c", 020600, 0x0103).existing_symlink("s", "a").existing_link("s", "d/s2");
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  TraceIndex index(trace);
  StateBuilder builder(index, &base);
  const FsImage& initial = builder.initial();
  BOOST_TEST(initial.resolve("a") == initial.resolve("d/b"));
  BOOST_TEST(initial.node(initial.resolve("a"))->links.size() == 2u);
  BOOST_TEST(initial.resolve("s") == initial.resolve("d/s2"));
  const FsNode* a = initial.node(initial.resolve("a"));
  BOOST_TEST(a->mode == 0104755u);
  BOOST_REQUIRE(a->xattrs.find("trusted.k") != nullptr);
  BOOST_TEST(*a->xattrs.find("trusted.k") == "v");
  const FsNode* c = initial.node(initial.resolve("c"));
  BOOST_TEST((c->kind == NodeKind::kSpecial));
  BOOST_TEST(c->rdev == 0x0103u);
  BOOST_TEST(c->mode == 020600u);
}
