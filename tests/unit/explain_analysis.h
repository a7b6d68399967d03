// One explain run on a hand-built trace, for the explain tests: the trace,
// its base, real checkers (and test readers), the report and the
// explanation, alive together (the Explorer keeps references to the trace
// and the base).
#pragma once

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/check_runner.h"
#include "analysis/explain.h"
#include "checkers/checker_spec.h"
#include "checkers/view_oracle.h"
#include "core/acknowledgements.h"
#include "core/base_content.h"
#include "core/trace_builder.h"
#include "core/trace_history.h"

namespace crashfs::testing {

// A reader of the whole tree written as a function, judged by the one
// oracle like a dump: checker: `read` returns what the program's reader
// recovers (its stdout), nullopt when it fails (command-failed).
class TreeReader : public ViewReader {
 public:
  using Read = std::function<std::optional<std::string>(const StateView&)>;
  TreeReader(std::string name, Read read) : name_(std::move(name)), read_(std::move(read)) {}
  std::string name() const override { return name_; }
  std::string scope() const override { return {}; }
  void units(const StateView&, std::vector<std::string>& out) override { out.push_back(""); }
  Recovered recover(const StateView& state, std::string_view, const std::string&) override {
    const auto text = read_(state);
    if (!text) return Recovered{ViewDigest().add("failed").finish(), "the reader failed"};
    return Recovered{ViewDigest().add(*text).finish(), *text};
  }
  void integrity(const CheckContext& ctx, const std::string&, std::vector<Violation>& out) override {
    if (read_(ctx.state)) return;
    Violation v;
    v.checker = name_;
    v.grade = "command-failed";
    v.reason = "the reader failed";
    out.push_back(v);
  }
  bool file_scoped() const override { return false; }

 private:
  std::string name_;
  Read read_;
};

// The content of `path` in `state`, nullopt when it is absent.
inline std::optional<std::string> read_path(const StateView& state, std::string_view path) {
  const FileEntry* e = state.find(path);
  if (e == nullptr || e->kind != NodeKind::kFile) return std::nullopt;
  return state.read(*e);
}

struct Analysis {
  Trace trace;
  MemoryBaseContent base;
  std::vector<std::unique_ptr<Checker>> owned;
  std::vector<Checker*> checkers;
  std::unique_ptr<Explorer> explorer;
  std::unique_ptr<TraceHistory> history;
  CheckReport report;
  Explanation explanation;

  // `specs`: checker specs; `readers`: test readers; `ack`: a --ack pattern (marks).
  Analysis(const TraceBuilder& b, const std::vector<std::string>& specs, std::vector<ModelKind> models,
           std::vector<std::unique_ptr<ViewReader>> readers = {}, const std::string& ack = "",
           std::uint64_t keep_per_cell = 1000) {
    trace = b.build();
    base = b.base();
    for (const std::string& text : specs) {
      CheckerSpec spec;
      BOOST_REQUIRE_MESSAGE(parse_checker_spec(text, spec).is_ok(), text);
      std::unique_ptr<Checker> checker;
      BOOST_REQUIRE_MESSAGE(make_checker(spec, checker).is_ok(), text);
      checkers.push_back(checker.get());
      owned.push_back(std::move(checker));
    }
    for (auto& r : readers) {
      owned.push_back(std::make_unique<OracleChecker>(std::move(r)));
      checkers.push_back(owned.back().get());
    }
    explorer = std::make_unique<Explorer>(trace, &base);
    std::vector<Acknowledgement> acks;
    if (!ack.empty()) BOOST_REQUIRE(collect_acknowledgements(trace, ack, acks).is_ok());
    history = std::make_unique<TraceHistory>(*explorer, std::move(acks));
    ExplainOptions options;
    options.check.explore.models = std::move(models);
    options.check.history = history.get();
    options.check.keep_per_cell = keep_per_cell;
    report = run_checks(*explorer, checkers, options.check);
    BOOST_REQUIRE_MESSAGE(report.harness_errors.empty(),
                          "harness errors: " << fmt::format("{}", fmt::join(report.harness_errors, "; ")));
    explanation = explain(*explorer, &base, checkers, report, options);
    if (std::getenv("CRASHFS_EXPLAIN_DEBUG")) std::fprintf(stderr, "%s\n", text().c_str());
  }

  // The whole explanation as text, for assertion messages.
  std::string text() const {
    std::string out = fmt::format("{} violations\n", report.total_violations);
    for (const ViolationGroup& g : explanation.groups) {
      out += fmt::format("group {} {} {} kind={} violations={} states={} files={} example={}\n  shape: {}\n  {}\n",
                         g.checker, g.path, g.grade, to_string(g.kind), g.violations, g.states, g.files,
                         g.example_state, g.shape, g.explanation);
      for (const OpDescription& op : g.ops) out += fmt::format("  op #{} [{}] ({}) {}\n", op.seq, op.role, op.path_role, op.text);
      if (g.fix) out += fmt::format("  fix: {} verified={} ({})\n", g.fix->text, g.fix->verified, g.fix->verification);
      if (!g.no_fix_reason.empty()) out += fmt::format("  no fix: {}\n", g.no_fix_reason);
      if (!g.remedy.empty()) out += fmt::format("  remedy: {}\n", g.remedy);
    }
    for (const DurabilityVerdict& d : explanation.durability)
      out += fmt::format("durability #{} {} needed={} by={} {}\n", d.seq, d.op, d.needed, d.needed_by, d.why_not);
    if (!explanation.fsyncs_skipped_reason.empty()) out += explanation.fsyncs_skipped_reason + "\n";
    return out;
  }

  const DurabilityVerdict* verdict_for(Seq seq) const {
    for (const DurabilityVerdict& d : explanation.durability)
      if (d.seq == seq) return &d;
    return nullptr;
  }
  std::vector<Seq> needed() const {
    std::vector<Seq> out;
    for (const DurabilityVerdict& d : explanation.durability)
      if (d.needed) out.push_back(d.seq);
    return out;
  }
  std::vector<Seq> unneeded() const {
    std::vector<Seq> out;
    for (const DurabilityVerdict& d : explanation.durability)
      if (!d.needed) out.push_back(d.seq);
    return out;
  }
};

inline const OpDescription* op_with_role(const ViolationGroup& g, std::string_view role) {
  for (const OpDescription& op : g.ops)
    if (op.role.rfind(role, 0) == 0) return &op;
  return nullptr;
}

inline bool has_model(const ViolationGroup& g, ModelKind model) {
  return std::find(g.models.begin(), g.models.end(), model) != g.models.end();
}

}  // namespace crashfs::testing
