// Incremental checking (issue 15): what is resumed from an earlier version
// equals what is computed from scratch.
//   - Rope::common_prefix equals the common prefix of the bytes, for
//     versions that share structure and for unrelated ones;
//   - every file's content hash in every crash state equals XXH3 of its
//     bytes (hashes resume from the version a file was edited from);
//   - the journal checker, resuming from checkpoints across states, reports
//     exactly what a new checker reports for each state alone.
#include <boost/test/unit_test.hpp>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "analysis/check_runner.h"
#include "checkers/journal_checker.h"
#include "core/base_content.h"
#include "core/content_hash.h"
#include "core/rope.h"
#include "core/trace_builder.h"
#include "journal_test_encoders.h"
#include "core/trace_history.h"

using namespace crashfs;

namespace {

struct NoBase : BaseResolver {
  std::string_view base_bytes(NodeId) const override { return {}; }
};

std::uint64_t naive_prefix(const std::string& a, const std::string& b) {
  std::uint64_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}


// A u32le journal entry (journal_test_encoders.h writes the length).
std::string u32le(const std::string& payload) {
  std::string out;
  testing::put32le(out, static_cast<std::uint32_t>(payload.size()));
  return out + payload;
}

// A journal appended in two writes per entry, synced now and then, with a
// rewrite in the middle (mid-file damage in some states), a zero
// placeholder patched later, and a truncation.
TraceBuilder journal_trace() {
  TraceBuilder b;
  b.create("j.log");
  std::string file;
  auto append = [&](const std::string& bytes) {
    b.append("j.log", bytes);
    file += bytes;
  };
  for (int i = 0; i < 14; ++i) {
    const std::string entry = u32le(std::string(300 + 97 * i, static_cast<char>('a' + i)));
    append(entry.substr(0, 4));
    append(entry.substr(4));
    if (i % 4 == 3) b.fdatasync("j.log");
  }
  // A placeholder length, the payload, then the real length patched in.
  const std::uint64_t at = file.size();
  append(std::string(4, '\0'));
  append(std::string(700, 'p'));
  b.write("j.log", at, u32le(std::string(700, 'p')).substr(0, 4));
  // Garbage over an entry in the middle, then more entries.
  b.write("j.log", 1200, std::string(40, '\x7f'));
  for (int i = 0; i < 3; ++i) b.append("j.log", u32le(std::string(500, 'z')));
  b.fdatasync("j.log");
  b.truncate("j.log", 3000);
  b.append("j.log", u32le("after truncation"));
  b.release("j.log");
  return b;
}

std::string describe(const std::vector<Violation>& vs) {
  std::string out;
  for (const Violation& v : vs) {
    out += v.checker + "|" + v.path + "|" + std::to_string(v.offset) + "|" + v.grade + "|" + v.reason + "|";
    for (Seq s : v.ops) out += std::to_string(s) + ",";
    out += "\n";
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rope_common_prefix_equals_the_common_prefix_of_the_bytes) {
  std::mt19937 rng(7);
  NoBase base;
  std::vector<std::string> pool;  // trace bytes the extents point into
  pool.reserve(4000);
  std::vector<Rope> versions{Rope{}};
  for (int step = 0; step < 400; ++step) {
    Rope r = versions[rng() % versions.size()];
    const int kind = static_cast<int>(rng() % 6);
    pool.push_back(std::string(1 + rng() % 50, static_cast<char>('a' + rng() % 3)));
    const std::string& data = pool.back();
    if (kind <= 2 || r.size() == 0) r.write(r.size(), Extent::trace(data, step));        // append
    else if (kind == 3) r.write(rng() % r.size(), Extent::trace(data, step));            // overwrite
    else if (kind == 4) r.resize(rng() % (r.size() + 1), step);                          // truncate
    else r.write(r.size() + rng() % 20, Extent::zeros(1 + rng() % 30, step));            // a hole, then zeros
    versions.push_back(r);
  }
  for (std::size_t i = 0; i < versions.size(); i += 7) {
    const std::string a = versions[i].read_all(base);
    for (std::size_t j = 0; j < versions.size(); j += 5) {
      const std::string b = versions[j].read_all(base);
      BOOST_TEST_REQUIRE(versions[i].common_prefix(versions[j], base) == naive_prefix(a, b), "versions " << i << ", " << j);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_content_hash_of_every_crash_state_is_the_hash_of_its_bytes) {
  const TraceBuilder b = journal_trace();
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  Explorer explorer(trace, &base);
  ExploreOptions options;
  options.models = {ModelKind::kProcessKill, ModelKind::kPosix};
  options.sector = 512;
  std::size_t files = 0;
  explorer.explore(options, [&](const ExploredState& state) {
    for (const FileEntry& e : state.state()->entries()) {
      if (e.kind != NodeKind::kFile) continue;
      ++files;
      BOOST_TEST_REQUIRE((e.hash == hash_bytes(state.state()->read(e))), state.id());
    }
  });
  BOOST_TEST(files > 100u);
}

BOOST_AUTO_TEST_CASE(a_resuming_journal_checker_reports_what_a_new_one_reports_for_each_state) {
  const TraceBuilder b = journal_trace();
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  Explorer explorer(trace, &base);
  TraceHistory history(explorer, {});
  auto shared = make_journal_checker("u32le", "j.log");
  ExploreOptions options;
  options.models = {ModelKind::kProcessKill, ModelKind::kPosix};
  options.sector = 512;
  std::vector<std::pair<StateSpec, std::string>> seen;
  std::size_t violating = 0;
  CheckOptions check;
  check.explore = options;
  check.history = &history;
  // The shared checker sees every state in exploration order (resuming).
  std::vector<Violation> found;
  explorer.explore(options, [&](const ExploredState& state) {
    CheckContext ctx = state.context();
    ctx.history = &history;
    ctx.moment = state.point() + 1;
    found.clear();
    shared->check(ctx, found);
    violating += found.empty() ? 0 : 1;
    seen.emplace_back(state.spec(), describe(found));
  });
  BOOST_TEST(seen.size() > 100u);
  BOOST_TEST(violating > 10u);
  // A checker that parses and judges every version whole, per state.
  for (const auto& [spec, expected] : seen) {
    auto fresh = make_journal_checker("u32le", "j.log", false);
    std::vector<Checker*> one{fresh.get()};
    std::vector<Violation> alone;
    BOOST_TEST_REQUIRE(check_state(explorer, spec, one, &history, alone).is_ok());
    BOOST_TEST_REQUIRE(describe(alone) == expected, spec.id());
  }
}
