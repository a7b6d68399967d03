// Properties of explain on random writers (temporary files renamed over
// config files, with and without fsyncs; in-place rewrites): every barrier
// reads forward (after_op < before_op), and a fix reported verified
// removes its group when the trace is re-explored in full with it, the
// group judged by an explain of the fixed trace (not by the bounded
// re-exploration that verified it).
#include <boost/test/unit_test.hpp>

#include <random>
#include <string>

#include "core/trace_builder.h"
#include "explain_analysis.h"

using namespace crashfs;
using namespace crashfs::testing;

namespace {

TraceBuilder random_writer(std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  TraceBuilder b;
  for (int f = 0; f < 3; ++f) b.existing_file(fmt::format("f{}.conf", f), fmt::format("old {}\n", f));
  const int steps = 2 + static_cast<int>(rng() % 4);
  for (int s = 0; s < steps; ++s) {
    const std::string file = fmt::format("f{}.conf", rng() % 3);
    if (chance(20)) {
      b.open(file, 01001).write(file, 0, fmt::format("rewritten {}\n", s)).release(file);
      continue;
    }
    const std::string tmp = file + ".tmp";
    b.create(tmp);
    const int writes = 1 + static_cast<int>(rng() % 2);
    for (int w = 0; w < writes; ++w) b.append(tmp, std::string(chance(30) ? 5000 : 12, static_cast<char>('a' + s)));
    if (chance(50)) b.fsync(tmp);
    b.rename(tmp, file);
    if (chance(30)) b.fsyncdir("");
  }
  return b;
}

// The trace with every barrier of `fix` inserted (by seq: the same operations).
Trace with_fix(const Trace& trace, const Fix& fix) {
  Trace out = trace;
  std::vector<Barrier> all = fix.everywhere;
  std::sort(all.begin(), all.end(), [](const Barrier& a, const Barrier& b) { return a.after_op > b.after_op; });
  for (const Barrier& b : all) {
    const auto at = out.find_op(OpId{b.after_op, 0});
    BOOST_REQUIRE(at.has_value());
    out = out.with_barrier(*at, b.barrier, b.node);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_barrier_reads_forward_and_a_verified_fix_removes_its_group) {
  std::size_t verified = 0, fixes = 0;
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    TraceBuilder b = random_writer(seed);
    Analysis a(b, {"atomic@*.conf"}, {ModelKind::kProcessKill, ModelKind::kPosix});
    BOOST_TEST_INFO("seed " << seed << "\n" << a.text());
    for (const ViolationGroup& g : a.explanation.groups) {
      if (!g.fix) continue;
      ++fixes;
      for (const Barrier& x : g.fix->everywhere) {
        BOOST_TEST(x.after_op > 0u);
        if (x.before_op != 0) BOOST_TEST(x.after_op < x.before_op, x.text);
      }
      if (!g.fix->verified) continue;
      ++verified;
      // Re-explore the whole fixed trace and explain it again.
      Trace fixed = with_fix(a.trace, *g.fix);
      Explorer explorer(fixed, &a.base);
      TraceHistory history(explorer, {});
      ExplainOptions options;
      options.check.explore.models = {ModelKind::kProcessKill, ModelKind::kPosix};
      options.check.history = &history;
      options.max_fsync_checks = 0;
      const CheckReport report = run_checks(explorer, a.checkers, options.check);
      const Explanation again = explain(explorer, &a.base, a.checkers, report, options);
      for (const ViolationGroup& h : again.groups)
        BOOST_TEST(!(h.checker == g.checker && h.grade == g.grade && h.shape == g.shape),
                   "seed " << seed << ": group " << g.shape << " in " << g.path << " is still there after " << g.fix->text);
    }
  }
  BOOST_TEST(fixes > 5u);
  BOOST_TEST(verified > 5u);
}
