#include "report/report_parse.h"

#include <fmt/format.h>

namespace crashfs {
namespace {

using nlohmann::json;

ModelKind model_of(const json& j) { return model_from_string(j.get<std::string>()).value_or(ModelKind::kPosix); }

CauseKind cause_of(const std::string& text) {
  for (CauseKind k : {CauseKind::kAtomicity, CauseKind::kOrdering, CauseKind::kDurability})
    if (to_string(k) == text) return k;
  return CauseKind::kAtomicity;
}

template <class T>
T get(const json& j, const char* key, T fallback = T{}) {
  return j.contains(key) && !j[key].is_null() ? j[key].get<T>() : fallback;
}

}  // namespace

Status parse_report(const json& j, RunInfo& info, CheckReport& report, Explanation& explanation) {
  try {
    info.trace_path = get<std::string>(j, "trace");
    info.command = get<std::vector<std::string>>(j, "command");
    info.command_exit = get<int>(j, "command_exit");
    info.checkers = get<std::vector<std::string>>(j, "checkers");
    info.ack_patterns = get<std::vector<std::string>>(j, "ack");
    info.acknowledgements = get<std::size_t>(j, "acknowledgements");
    info.trace_digest = get<std::string>(j, "trace_digest");
    if (j.contains("options")) info.options = j["options"];
    info.shard = get<std::string>(j, "shard");

    for (const json& m : j.at("summary").at("models")) {
      ModelSummary s;
      s.model = model_of(m.at("model"));
      s.crash_points = get<std::uint64_t>(m, "crash_points");
      s.exhaustive_points = get<std::uint64_t>(m, "exhaustive_points");
      s.bounded_points = get<std::uint64_t>(m, "bounded_points");
      s.capped_points = get<std::uint64_t>(m, "capped_points");
      s.skipped_points = get<std::uint64_t>(m, "skipped_points");
      s.single_deviations = get<std::uint64_t>(m, "single_deviations");
      s.single_deviations_wanted = get<std::uint64_t>(m, "single_deviations_wanted");
      s.planned = get<std::uint64_t>(m, "planned");
      s.generated = get<std::uint64_t>(m, "generated");
      s.distinct = get<std::uint64_t>(m, "distinct");
      s.emitted = get<std::uint64_t>(m, "checked");
      report.summary.models.push_back(s);
      report.states_checked[s.model] = get<std::uint64_t>(m, "checked");
    }
    for (const json& v : j.at("verdicts")) {
      CellVerdict& c = report.cells[{model_of(v.at("model")), v.at("checker").get<std::string>()}];
      c.states_checked = get<std::uint64_t>(v, "states_checked");
      c.violating_states = get<std::uint64_t>(v, "violating_states");
      c.violations = get<std::uint64_t>(v, "violations");
      c.inconclusive = get<std::string>(v, "reason");
    }
    for (const json& v : j.at("violations")) {
      StateViolation sv;
      sv.state_id = get<std::string>(v, "state");
      sv.model = model_of(v.at("model"));
      sv.point = OpId::parse(get<std::string>(v, "crash_point")).value_or(OpId{});
      sv.state_description = get<std::string>(v, "lost");
      sv.violation.checker = get<std::string>(v, "checker");
      sv.violation.path = get<std::string>(v, "path");
      sv.violation.offset = get<std::uint64_t>(v, "offset");
      sv.violation.reason = get<std::string>(v, "reason");
      sv.violation.grade = get<std::string>(v, "grade");
      for (const json& op : v.value("ops", json::array())) sv.violation.ops.push_back(get<Seq>(op, "seq"));
      report.violations.push_back(std::move(sv));
    }
    report.total_violations = get<std::uint64_t>(j.at("summary"), "violations");
    report.harness_errors = get<std::vector<std::string>>(j, "harness_errors");
    report.inconclusive = get<std::vector<std::string>>(j, "inconclusive");

    std::map<std::uint64_t, const json*> fix_of_group;
    for (const json& f : j.value("fixes", json::array())) fix_of_group[get<std::uint64_t>(f, "group")] = &f;
    for (const json& g : j.value("groups", json::array())) {
      ViolationGroup out;
      out.checker = get<std::string>(g, "checker");
      out.path = get<std::string>(g, "path");
      out.grade = get<std::string>(g, "grade");
      out.reason = get<std::string>(g, "reason");
      out.kind = cause_of(get<std::string>(g, "kind"));
      for (const json& m : g.value("models", json::array())) out.models.push_back(model_of(m));
      out.violations = get<std::uint64_t>(g, "violations");
      out.states = get<std::uint64_t>(g, "states");
      out.example_state = get<std::string>(g, "example_state");
      out.explanation = get<std::string>(g, "explanation");
      for (const json& op : g.value("ops", json::array()))
        out.ops.push_back(OpDescription{get<Seq>(op, "seq"), get<std::string>(op, "op"), get<std::string>(op, "role")});
      out.no_fix_reason = get<std::string>(g, "no_fix_reason");
      if (auto it = fix_of_group.find(get<std::uint64_t>(g, "id")); it != fix_of_group.end()) {
        const json& f = *it->second;
        Fix fix;
        fix.barrier = record_type_from_string(get<std::string>(f, "barrier")).value_or(RecordType::kFsync);
        fix.path = get<std::string>(f, "path");
        fix.after_op = get<Seq>(f, "after_op");
        fix.before_op = get<Seq>(f, "before_op");
        fix.verified = get<bool>(f, "verified");
        fix.violations_removed = get<std::uint64_t>(f, "violations_removed");
        fix.violations_after = get<std::uint64_t>(f, "violations_after");
        fix.text = get<std::string>(f, "text");
        out.fix = fix;
      }
      explanation.groups.push_back(std::move(out));
    }
    for (const json& f : j.value("needed_fsyncs", json::array()))
      explanation.durability.push_back({get<Seq>(f, "seq"), get<std::string>(f, "op"), true, get<std::string>(f, "needed_by")});
    for (const json& f : j.value("unneeded_fsyncs", json::array()))
      explanation.durability.push_back({get<Seq>(f, "seq"), get<std::string>(f, "op"), false, ""});
    std::sort(explanation.durability.begin(), explanation.durability.end(),
              [](const DurabilityVerdict& a, const DurabilityVerdict& b) { return a.seq < b.seq; });
    explanation.fsyncs_analyzed = get<bool>(j, "fsyncs_analyzed");
    explanation.fsyncs_skipped_reason = get<std::string>(j, "fsyncs_skipped_reason");
  } catch (const json::exception& e) {
    return Status::invalid_argument(fmt::format("the report does not follow the JSON report schema: {}", e.what()));
  }
  return Status::ok();
}

}  // namespace crashfs
