// Properties of the persistence models over thousands of seeded random
// traces, state by state at every crash point (compared by content):
//   process-kill ⊆ ext4-ordered ⊆ posix,  synced-only ⊆ posix;
//   every state keeps what was synced and not touched since;
//   every state's id rebuilds exactly that state;
//   the models' counts match what they enumerate.
#include <boost/test/unit_test.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/explorer.h"
#include "core/state_dump.h"
#include "core/trace_builder.h"

using namespace crashfs;

namespace {

constexpr int kTraces = 1000;

// A small random workload over a handful of names, with 512-byte sectors in
// mind (writes of up to ~1 KiB span up to three pieces).
TraceBuilder random_trace(std::mt19937_64& rng) {
  TraceBuilder b;
  auto pick = [&](std::uint64_t n) { return static_cast<std::size_t>(rng() % n); };
  const std::vector<std::string> names = {"f0", "f1", "d/g0", "d/g1", "e/h"};
  b.existing_dir("d");
  if (pick(2)) b.existing_file("f0", std::string(1 + pick(700), 'p'));
  if (pick(2)) b.existing_file("d/g1", std::string(1 + pick(300), 'q'));
  const int ops = 3 + static_cast<int>(pick(4));
  int mutations = 0;
  for (int step = 0; step < 40 && mutations < ops; ++step) {
    const std::string& name = names[pick(names.size())];
    const std::string& other = names[pick(names.size())];
    const bool dir_e = b.exists("e");
    const bool usable = b.exists(name) && name != "e";
    const bool parent_ok = name.rfind("e/", 0) != 0 || dir_e;
    const bool other_parent_ok = other.rfind("e/", 0) != 0 || dir_e;
    const std::string data(1 + pick(1100), static_cast<char>('a' + step % 26));
    switch (pick(12)) {
      case 0:
        if (!usable && parent_ok) b.create(name), ++mutations;
        break;
      case 1:
      case 2:
        if (usable) b.write(name, pick(900), data), ++mutations;
        break;
      case 3:
        if (usable) b.truncate(name, pick(800)), ++mutations;
        break;
      case 4:
        if (usable && other != name && other_parent_ok) {
          const bool exchange = b.exists(other) && pick(3) == 0;
          b.rename(name, other, exchange ? kRenameExchange : 0), ++mutations;
        }
        break;
      case 5:
        if (usable) b.unlink(name), ++mutations;
        break;
      case 6:
        if (usable && !b.exists(other) && other_parent_ok) b.link(name, other), ++mutations;
        break;
      case 7:
        if (usable) pick(2) ? b.fsync(name) : b.fdatasync(name);
        break;
      case 8:
        b.fsyncdir(pick(3) == 0 ? "" : pick(2) ? "d" : (dir_e ? "e" : ""));
        break;
      case 9:
        if (!dir_e) b.mkdir("e"), ++mutations;
        else if (!b.exists("e/h")) b.rmdir("e"), ++mutations;
        break;
      case 10:
        if (usable) b.chmod(name, 0600 | pick(8)), ++mutations;
        break;
      case 11:
        if (usable) b.append(name, data, pick(6) == 0 ? kWriteDsynced : 0), ++mutations;
        break;
    }
  }
  return b;
}

struct PointStates {
  std::set<std::string> states;
  bool exhaustive = true;
};

// Paths of `acked` whose file, and every entry on the way to it, no
// unsynced operation up to `point` touches: they must be in every state.
std::vector<const FileEntry*> stable_synced_files(const Explorer& ex, const StateView& acked, std::size_t point) {
  const TraceIndex& index = ex.index();
  std::vector<const FileEntry*> out;
  for (const FileEntry& e : acked.entries()) {
    if (e.kind != NodeKind::kFile) continue;
    // Nodes and (dir, name) links along the path.
    std::vector<NodeId> nodes{kRootNode};
    std::vector<std::pair<NodeId, std::string>> links;
    std::string prefix;
    NodeId dir = kRootNode;
    std::size_t start = 0;
    while (start <= e.path.size()) {
      const auto slash = e.path.find('/', start);
      const std::string name = e.path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
      prefix = prefix.empty() ? name : prefix + "/" + name;
      const FileEntry* step = acked.find(prefix);
      links.emplace_back(dir, name);
      dir = step->node;
      nodes.push_back(dir);
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    bool stable = true;
    for (std::size_t k = 0; k <= point && stable; ++k) {
      if (!index.is_mutation(k) || index.durable(k, point)) continue;
      const Record& r = index.record(k);
      for (NodeId n : nodes) stable = stable && r.node != n && r.victim != n;
      for (const auto& [d, name] : links) {
        stable = stable && !(r.parent == d && r.name == name) && !(r.new_parent == d && r.new_name == name);
      }
    }
    if (stable) out.push_back(&e);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(models_nest_keep_synced_data_and_ids_rebuild_their_states) {
  std::mt19937_64 rng(20240611);
  std::uint64_t compared_points = 0, checked_states = 0, posix_states = 0;
  for (int t = 0; t < kTraces; ++t) {
    const TraceBuilder builder = random_trace(rng);
    const Trace trace = builder.build();
    MemoryBaseContent base = builder.base();
    Explorer ex(trace, &base);
    ExploreOptions options;
    options.sector = 512;
    options.exhaustive_limit = 4096;
    for (std::size_t point = 0; point < trace.ops().size(); ++point) {
      std::map<ModelKind, PointStates> by_model;
      std::shared_ptr<const StateView> acked;
      std::vector<const FileEntry*> stable;
      for (ModelKind m : {ModelKind::kProcessKill, ModelKind::kSyncedOnly, ModelKind::kExt4Ordered, ModelKind::kPosix}) {
        PointStates& ps = by_model[m];
        ex.for_each_state_at(m, point, options, [&](const ExploredState& s) {
          ps.exhaustive = ps.exhaustive && s.exhaustive_point();
          auto view = s.state();
          const std::string dump = dump_state(*view, true);
          ps.states.insert(dump);
          if (!acked) {
            acked = s.acked();
            stable = stable_synced_files(ex, *acked, point);
          }
          // Synced and untouched since: present, same bytes.
          for (const FileEntry* f : stable) {
            const FileEntry* mine = view->find(f->path);
            BOOST_REQUIRE_MESSAGE(mine && mine->hash == f->hash,
                                  "trace " << t << " state " << s.id() << " lost synced " << f->path);
          }
          // The id rebuilds the same state.
          StateSpec parsed;
          BOOST_REQUIRE_MESSAGE(StateSpec::parse(s.id(), parsed).is_ok(), s.id());
          BOOST_REQUIRE(parsed == s.spec());
          std::shared_ptr<const StateView> rebuilt;
          const Status st = ex.view(parsed, rebuilt);
          BOOST_REQUIRE_MESSAGE(st.is_ok(), "trace " << t << ": " << st.message());
          BOOST_REQUIRE_MESSAGE(dump_state(*rebuilt, true) == dump, "trace " << t << " id " << s.id());
          // Synced-only states reuse earlier builds: compare with one from scratch.
          if (m == ModelKind::kSyncedOnly) {
            StateBuilder fresh(ex.index(), &base);
            BOOST_REQUIRE_MESSAGE(dump_state(*fresh.view(fresh.synced_only(point)), true) == dump,
                                  "trace " << t << " synced-only at " << point);
          }
          ++checked_states;
        });
      }
      if (!by_model[ModelKind::kPosix].exhaustive || !by_model[ModelKind::kExt4Ordered].exhaustive) continue;
      ++compared_points;
      posix_states += by_model[ModelKind::kPosix].states.size();
      auto subset = [&](ModelKind a, ModelKind b) {
        const auto& small = by_model[a].states;
        const auto& big = by_model[b].states;
        return std::includes(big.begin(), big.end(), small.begin(), small.end());
      };
      BOOST_REQUIRE_MESSAGE(subset(ModelKind::kProcessKill, ModelKind::kExt4Ordered), "trace " << t << " point " << point);
      BOOST_REQUIRE_MESSAGE(subset(ModelKind::kExt4Ordered, ModelKind::kPosix), "trace " << t << " point " << point);
      BOOST_REQUIRE_MESSAGE(subset(ModelKind::kSyncedOnly, ModelKind::kPosix), "trace " << t << " point " << point);
    }
  }
  BOOST_TEST_MESSAGE("compared " << compared_points << " crash points, " << posix_states << " posix states, checked "
                                 << checked_states << " states");
  BOOST_TEST(compared_points > 5000u);  // the generator makes mostly exhaustive points
}

BOOST_AUTO_TEST_CASE(models_emit_exactly_the_counts_they_plan) {
  std::mt19937_64 rng(99);
  for (int t = 0; t < 300; ++t) {
    const TraceBuilder builder = random_trace(rng);
    const Trace trace = builder.build();
    TraceIndex index(trace);
    CrashWalk walk(index);
    for (std::size_t point = 0; point < index.size(); ++point) {
      walk.advance();
      for (ModelKind m : {ModelKind::kProcessKill, ModelKind::kSyncedOnly, ModelKind::kExt4Ordered, ModelKind::kPosix}) {
        const auto model = make_model(m);
        const PointContext ctx{index, walk, 512, 3, 5, 1234};
        std::uint64_t emitted = 0;
        model->bounded(ctx, [&](const Candidate&) { return ++emitted, true; });
        BOOST_REQUIRE_EQUAL(emitted, model->bounded_count(ctx));
        const std::uint64_t space = model->space(ctx, 5000);
        if (space > 5000) continue;
        emitted = 0;
        model->exhaustive(ctx, [&](const Candidate&) { return ++emitted, true; });
        BOOST_REQUIRE_EQUAL(emitted, space);
      }
    }
  }
}
