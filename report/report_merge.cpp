#include "report/report_merge.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/explain_shape.h"
#include "core/shard.h"

namespace crashfs {
namespace {

using nlohmann::json;

// The run-level reason a shard gives when none of its states were checked.
constexpr std::string_view kNothingInShard = "fell outside this --shard";

std::string group_key(const json& g) {
  return fmt::format("{}|{}|{}|{}", g.value("checker", ""), fold_instance_words(g.value("path", "")), g.value("kind", ""),
                     g.value("grade", ""));
}

std::uint64_t u64(const json& j, const char* key) { return j.contains(key) ? j[key].get<std::uint64_t>() : 0; }

// Checks that the reports come from shards 1..N of one run.
Status check_compatible(const std::vector<json>& reports, const std::vector<std::string>& names) {
  if (reports.empty()) return Status::invalid_argument("give at least one report to merge");
  const json& first = reports.front();
  std::set<std::uint32_t> seen;
  std::uint32_t count = 0;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const json& r = reports[i];
    const std::string& name = names[i];
    if (!r.is_object() || !r.contains("verdicts") || !r.contains("trace_digest")) {
      return Status::invalid_argument(fmt::format(
          "{}: not a crashfs JSON report with a trace digest (written by `crashfs run/check --report-json` of this "
          "version)",
          name));
    }
    if (!r["shard"].is_string()) {
      return Status::invalid_argument(
          fmt::format("{}: not a shard report (run with --shard K/N); an unsharded report needs no merge", name));
    }
    const std::string shard = r["shard"];
    // The text --shard took (core/shard.h), so "1/2x" or " 1/2" is refused here too.
    const auto parsed = parse_shard(shard);
    if (!parsed) return Status::invalid_argument(fmt::format("{}: bad shard '{}'", name, shard));
    const unsigned k = parsed->index + 1, n = parsed->count;
    if (i == 0) count = n;
    if (n != count) {
      return Status::invalid_argument(fmt::format("{} is shard {} but {} is shard {}/{}: shards of different "
                                                  "--shard counts",
                                                  name, shard, names[0], first["shard"].get<std::string>(), count));
    }
    if (!seen.insert(k).second) return Status::invalid_argument(fmt::format("{}: shard {} given twice", name, shard));
    if (r["trace_digest"] != first["trace_digest"]) {
      return Status::invalid_argument(fmt::format("{} and {} are reports of different traces ({} vs {}, digests {} "
                                                  "vs {})",
                                                  names[0], name, first.value("trace", "?"), r.value("trace", "?"),
                                                  first["trace_digest"].get<std::string>(),
                                                  r["trace_digest"].get<std::string>()));
    }
    for (const auto& [key, value] : first["options"].items()) {
      if (!r["options"].contains(key) || r["options"][key] != value) {
        return Status::invalid_argument(fmt::format("{} and {} were run with different options: {} is {} vs {}",
                                                    names[0], name, key, value.dump(),
                                                    r["options"].contains(key) ? r["options"][key].dump() : "unset"));
      }
    }
    if (r["options"].size() != first["options"].size()) {
      return Status::invalid_argument(fmt::format("{} and {} were run with different options", names[0], name));
    }
  }
  std::vector<std::string> missing;
  for (std::uint32_t k = 1; k <= count; ++k)
    if (!seen.count(k)) missing.push_back(fmt::format("{}/{}", k, count));
  if (!missing.empty()) {
    return Status::invalid_argument(
        fmt::format("shard(s) {} missing: merge every shard of the run", fmt::join(missing, ", ")));
  }
  return Status::ok();
}

bool checked_something(const json& r) { return u64(r["summary"], "states_checked") > 0; }

json merge_summary(const std::vector<json>& reports) {
  json summary = reports.front()["summary"];
  std::uint64_t checked = 0, violations = 0, listed = 0, errors = 0;
  std::map<std::string, std::uint64_t> checked_per_model;
  for (const json& r : reports) {
    checked += u64(r["summary"], "states_checked");
    violations += u64(r["summary"], "violations");
    listed += u64(r["summary"], "violations_listed");
    errors += u64(r["summary"], "harness_errors");
    for (const json& m : r["summary"]["models"]) checked_per_model[m["model"]] += u64(m, "checked");
  }
  summary["states_checked"] = checked;
  summary["violations"] = violations;
  summary["violations_listed"] = listed;
  summary["harness_errors"] = errors;
  for (json& m : summary["models"]) m["checked"] = checked_per_model[m["model"]];
  return summary;
}

json merge_verdicts(const std::vector<json>& reports) {
  struct Cell {
    json merged;
    bool any_conclusive = false;  // some shard checked it and judged something
    std::string reason;           // of a shard that checked it and was inconclusive
  };
  std::vector<std::string> order;
  std::map<std::string, Cell> cells;
  for (const json& r : reports) {
    for (const json& v : r["verdicts"]) {
      const std::string key = v["model"].get<std::string>() + "\n" + v["checker"].get<std::string>();
      auto [it, fresh] = cells.try_emplace(key);
      Cell& c = it->second;
      if (fresh) {
        order.push_back(key);
        c.merged = {{"model", v["model"]}, {"checker", v["checker"]}, {"states_checked", 0},
                    {"violating_states", 0}, {"violations", 0}};
      }
      for (const char* f : {"states_checked", "violating_states", "violations"})
        c.merged[f] = c.merged[f].get<std::uint64_t>() + u64(v, f);
      const std::string reason = v.value("reason", "");
      if (reason.find(kNothingInShard) != std::string::npos) continue;
      if (reason.empty()) c.any_conclusive = true;
      else if (c.reason.empty()) c.reason = reason;
    }
  }
  // The unsharded report lists cells by model (in the models' declaration
  // order), then checker.
  const auto rank = [](const std::string& key) {
    static const std::vector<std::string> models = {"process-kill", "synced-only", "posix", "ext4-ordered"};
    const std::string model = key.substr(0, key.find('\n'));
    const auto it = std::find(models.begin(), models.end(), model);
    return std::make_pair(it - models.begin(), key.substr(key.find('\n') + 1));
  };
  std::sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  json out = json::array();
  for (const std::string& key : order) {
    Cell& c = cells[key];
    if (c.merged["violations"].get<std::uint64_t>() > 0) {
      c.merged["verdict"] = "violation";
    } else if (!c.any_conclusive) {
      c.merged["verdict"] = "inconclusive";
      c.merged["reason"] = c.reason.empty() ? "no crash state was checked" : c.reason;
    } else {
      c.merged["verdict"] = "clean";
    }
    out.push_back(c.merged);
  }
  return out;
}

// Run-level reasons: those every shard that checked something gives.
std::vector<std::string> merge_inconclusive(const std::vector<json>& reports) {
  std::vector<const json*> informative;
  for (const json& r : reports)
    if (checked_something(r)) informative.push_back(&r);
  if (informative.empty()) {
    for (const json& r : reports)
      for (const json& why : r["inconclusive"])
        if (why.get<std::string>().find(kNothingInShard) == std::string::npos) return {why.get<std::string>()};
    return {"no crash state was checked in any shard"};
  }
  std::vector<std::string> out;
  for (const json& why : (*informative.front())["inconclusive"]) {
    const bool everywhere = std::all_of(informative.begin(), informative.end(), [&](const json* r) {
      const json& list = (*r)["inconclusive"];
      return std::find(list.begin(), list.end(), why) != list.end();
    });
    if (everywhere) out.push_back(why.get<std::string>());
  }
  return out;
}

// Groups united by key; fixes kept when the shards that have the group agree.
void merge_groups(const std::vector<json>& reports, json& groups_out, json& fixes_out) {
  struct Group {
    json merged;
    std::vector<std::pair<std::string, json>> fixes;  // shard -> its fix (null: none)
  };
  std::vector<std::string> order;
  std::map<std::string, Group> groups;
  for (const json& r : reports) {
    std::map<std::uint64_t, json> fix_of_group;
    for (const json& f : r["fixes"]) fix_of_group[f["group"].get<std::uint64_t>()] = f;
    for (const json& g : r["groups"]) {
      const std::string key = group_key(g);
      auto [it, fresh] = groups.try_emplace(key);
      Group& m = it->second;
      if (fresh) {
        order.push_back(key);
        m.merged = g;
        m.merged["violations"] = 0;
        m.merged["states"] = 0;
        m.merged["models"] = json::array();
      }
      m.merged["violations"] = m.merged["violations"].get<std::uint64_t>() + u64(g, "violations");
      m.merged["states"] = m.merged["states"].get<std::uint64_t>() + u64(g, "states");
      for (const json& model : g["models"]) {
        json& models = m.merged["models"];
        if (std::find(models.begin(), models.end(), model) == models.end()) models.push_back(model);
      }
      const auto fix = fix_of_group.find(g["id"].get<std::uint64_t>());
      m.fixes.emplace_back(r["shard"].get<std::string>(), fix == fix_of_group.end() ? json(nullptr) : fix->second);
    }
  }
  // Bugs a process kill shows first, then more states (as explain orders them).
  std::stable_sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    const json& ga = groups[a].merged;
    const json& gb = groups[b].merged;
    const auto pk = [](const json& g) {
      return std::find(g["models"].begin(), g["models"].end(), "process-kill") != g["models"].end();
    };
    if (pk(ga) != pk(gb)) return pk(ga);
    return ga["violations"].get<std::uint64_t>() > gb["violations"].get<std::uint64_t>();
  });
  groups_out = json::array();
  fixes_out = json::array();
  for (std::size_t i = 0; i < order.size(); ++i) {
    Group& g = groups[order[i]];
    json merged = g.merged;
    merged["id"] = i + 1;
    // "...; in N state(s) under M": the counts are the merged ones now.
    std::string text = merged.value("explanation", "");
    if (const auto at = text.rfind("; in "); at != std::string::npos) text.resize(at);
    std::vector<std::string> models;
    for (const json& m : merged["models"]) models.push_back(m);
    merged["explanation"] =
        fmt::format("{}; in {} state(s) under {}", text, merged["states"].get<std::uint64_t>(), fmt::join(models, ", "));
    groups_out.push_back(merged);
    const auto same = [](const json& a, const json& b) {
      if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
      for (const char* f : {"barrier", "path", "after_op", "before_op", "verified"})
        if (a[f] != b[f]) return false;
      return true;
    };
    const json& first = g.fixes.front().second;
    const bool agreed = std::all_of(g.fixes.begin(), g.fixes.end(), [&](const auto& p) { return same(p.second, first); });
    if (agreed && first.is_null()) continue;
    json fix = agreed ? first : json::object();
    fix["group"] = i + 1;
    fix["agreed"] = agreed;
    if (agreed) {
      std::uint64_t removed = 0, after = 0;
      for (const auto& [shard, f] : g.fixes) {
        removed += u64(f, "violations_removed");
        after += u64(f, "violations_after");
      }
      fix["violations_removed"] = removed;
      fix["violations_after"] = after;
    } else {
      fix["verified"] = false;
      fix["text"] = "the shards propose different fixes (see per_shard)";
      json per_shard = json::object();
      for (const auto& [shard, f] : g.fixes) per_shard[shard] = f;
      fix["per_shard"] = per_shard;
    }
    fixes_out.push_back(fix);
  }
}

// Every recorded fsync's verdict, kept when the shards agree.
void merge_fsyncs(const std::vector<json>& reports, json& needed_out, json& unneeded_out) {
  struct Verdict {
    json op;
    std::map<std::string, std::string> per_shard;  // shard -> "needed by ..." / "unneeded"
  };
  std::map<std::uint64_t, Verdict> verdicts;
  for (const json& r : reports) {
    const std::string shard = r["shard"];
    for (const json& f : r["needed_fsyncs"]) {
      Verdict& v = verdicts[f["seq"].get<std::uint64_t>()];
      v.op = f["op"];
      v.per_shard[shard] = "needed by " + f.value("needed_by", "");
    }
    for (const json& f : r["unneeded_fsyncs"]) {
      Verdict& v = verdicts[f["seq"].get<std::uint64_t>()];
      v.op = f["op"];
      v.per_shard[shard] = "unneeded";
    }
  }
  needed_out = json::array();
  unneeded_out = json::array();
  for (const auto& [seq, v] : verdicts) {
    bool any_needed = false, all_unneeded = true;
    std::string needed_by;
    for (const auto& [shard, text] : v.per_shard) {
      if (text != "unneeded") {
        any_needed = true;
        all_unneeded = false;
        if (needed_by.empty()) needed_by = text.substr(10);
      }
    }
    const bool agreed = v.per_shard.size() == reports.size() &&
                        std::all_of(v.per_shard.begin(), v.per_shard.end(),
                                    [&](const auto& p) { return p.second == v.per_shard.begin()->second; });
    if (all_unneeded && v.per_shard.size() == reports.size()) {
      unneeded_out.push_back({{"seq", seq}, {"op", v.op}});
      continue;
    }
    json entry = {{"seq", seq}, {"op", v.op}, {"needed_by", needed_by}};
    if (!agreed) {
      entry["agreed"] = false;
      entry["per_shard"] = v.per_shard;
    }
    (any_needed ? needed_out : unneeded_out).push_back(entry);
  }
}

}  // namespace

Status merge_reports(const std::vector<json>& reports, const std::vector<std::string>& names, json& out) {
  if (Status st = check_compatible(reports, names); !st) return st;
  std::vector<json> shards = reports;
  std::sort(shards.begin(), shards.end(), [](const json& a, const json& b) {  // checked to parse above
    return parse_shard(a["shard"].get<std::string>())->index < parse_shard(b["shard"].get<std::string>())->index;
  });
  const json& first = shards.front();
  out = json::object();
  for (const char* f : {"crashfs", "trace", "trace_digest", "command", "command_exit", "checkers", "ack",
                        "acknowledgements", "options"})
    if (first.contains(f)) out[f] = first[f];
  out["shard"] = nullptr;
  json merged_from = json::array();
  for (const json& r : shards) merged_from.push_back(r["shard"]);
  out["merged_shards"] = merged_from;

  out["summary"] = merge_summary(shards);
  out["verdicts"] = merge_verdicts(shards);
  const std::vector<std::string> inconclusive = merge_inconclusive(shards);
  out["inconclusive"] = inconclusive;
  json violations = json::array(), errors = json::array();
  for (const json& r : shards) {
    for (const json& v : r["violations"]) violations.push_back(v);
    for (const json& e : r["harness_errors"]) errors.push_back(e);
  }
  out["violations"] = violations;
  out["harness_errors"] = errors;
  if (out["summary"]["violations"].get<std::uint64_t>() > 0) out["verdict"] = "violation";
  else if (!errors.empty()) out["verdict"] = "harness-error";
  else if (!inconclusive.empty()) out["verdict"] = "inconclusive";
  else out["verdict"] = "clean";
  if (!inconclusive.empty()) out["reason"] = fmt::format("{}", fmt::join(inconclusive, "; "));
  json groups, fixes, needed, unneeded;
  merge_groups(shards, groups, fixes);
  merge_fsyncs(shards, needed, unneeded);
  out["groups"] = groups;
  out["fixes"] = fixes;
  out["needed_fsyncs"] = needed;
  out["unneeded_fsyncs"] = unneeded;
  out["fsyncs_analyzed"] = std::all_of(shards.begin(), shards.end(),
                                       [](const json& r) { return r.value("fsyncs_analyzed", false); });
  return Status::ok();
}

}  // namespace crashfs
