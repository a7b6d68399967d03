// The timeline section of the HTML report: one row per operation.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/path_tracker.h"
#include "report/report_html_escape.h"
#include "report/report_html_parts.h"

namespace crashfs {
namespace {

// Highlights of one operation.
struct OpMarks {
  std::uint64_t crash_violations = 0;  // listed violations whose crash point this is
  std::vector<std::string> causes;     // "group 2: torn"
};

// Which operations get a row: all when they fit, else the union of equal
// neighbourhoods around the interesting ones, as wide as the cap allows.
std::vector<bool> choose_rows(std::size_t n, const std::vector<std::size_t>& interesting, std::size_t cap) {
  std::vector<bool> shown(n, false);
  if (n <= cap) {
    std::fill(shown.begin(), shown.end(), true);
    return shown;
  }
  if (interesting.empty()) {
    std::fill(shown.begin(), shown.begin() + static_cast<std::ptrdiff_t>(cap), true);
    return shown;
  }
  const auto covered = [&](std::size_t r) {
    std::size_t total = 0, end = 0;  // end: first index not yet counted
    for (std::size_t i : interesting) {
      const std::size_t lo = std::max(i >= r ? i - r : 0, end);
      const std::size_t hi = std::min(n, i + r + 1);
      if (hi > lo) total += hi - lo, end = hi;
    }
    return total;
  };
  if (covered(0) > cap) {
    for (std::size_t k = 0; k < cap; ++k) shown[interesting[k]] = true;
    return shown;
  }
  std::size_t lo = 0, hi = n;  // covered(lo) <= cap
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo + 1) / 2;
    if (covered(mid) <= cap) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  for (std::size_t i : interesting)
    for (std::size_t k = i >= lo ? i - lo : 0; k < std::min(n, i + lo + 1); ++k) shown[k] = true;
  // Radius lo + 1 would not fit: spend what is left one row past each window.
  std::size_t total = covered(lo);
  for (std::size_t i : interesting) {
    if (total < cap && i + lo + 1 < n && !shown[i + lo + 1]) shown[i + lo + 1] = true, ++total;
    if (total < cap && i >= lo + 1 && !shown[i - lo - 1]) shown[i - lo - 1] = true, ++total;
  }
  return shown;
}

// The path column: where the operation acts, as the program named it.
std::string op_path(const Record& rec, const PathTracker& paths) {
  switch (rec.type) {
    case RecordType::kCreate:
    case RecordType::kMkdir:
    case RecordType::kMknod:
    case RecordType::kSymlink:
    case RecordType::kUnlink:
    case RecordType::kRmdir:
      return paths.child_path(rec.parent, rec.name);
    case RecordType::kRename:
      return paths.child_path(rec.parent, rec.name) + " \u2192 " + paths.child_path(rec.new_parent, rec.new_name);
    case RecordType::kLink:
      return paths.path_of(rec.node) + " \u2192 " + paths.child_path(rec.new_parent, rec.new_name);
    case RecordType::kFsyncdir: {
      const std::string p = paths.path_of(rec.node);
      return p.empty() ? "." : p;
    }
    default:
      return paths.path_of(rec.node);
  }
}

std::pair<std::string, std::string> offset_length(const Record& rec) {
  switch (rec.type) {
    case RecordType::kWrite: return {std::to_string(rec.offset), std::to_string(rec.data.size())};
    case RecordType::kFallocate: return {std::to_string(rec.offset), std::to_string(rec.length)};
    case RecordType::kTruncate: return {"", "size " + std::to_string(rec.length)};
    default: return {"", ""};
  }
}

// A strip across the page with a tick per bucket where something happens,
// so the whole trace is visible at a glance even when rows are capped.
std::string overview_strip(std::size_t n, const std::vector<std::size_t>& dur, const std::vector<std::size_t>& crash,
                           const std::vector<std::size_t>& cause) {
  constexpr std::size_t kBuckets = 800;
  std::string out = "<div class=\"strip\" title=\"the whole trace, left to right\">";
  const auto ticks = [&](const std::vector<std::size_t>& ops, std::string_view cls) {
    std::set<std::size_t> buckets;
    for (std::size_t i : ops) buckets.insert(n <= 1 ? 0 : i * (kBuckets - 1) / (n - 1));
    for (std::size_t b : buckets)
      out += fmt::format("<span class=\"tick {}\" style=\"left:{:.3f}%\"></span>", cls, 100.0 * b / kBuckets);
  };
  ticks(dur, "dur");
  ticks(cause, "cause");
  ticks(crash, "crash");
  return out + "</div>";
}

}  // namespace

std::string render_timeline_section(const CheckReport& report, const Explanation& explanation, Explorer& explorer,
                                    std::size_t max_ops) {
  const Trace& trace = explorer.trace();
  const std::size_t n = trace.ops().size();

  std::map<std::size_t, OpMarks> marks;
  for (const StateViolation& sv : report.violations)
    if (auto op = trace.find_op(sv.point)) ++marks[*op].crash_violations;
  for (std::size_t g = 0; g < explanation.groups.size(); ++g) {
    const ViolationGroup& group = explanation.groups[g];
    for (const OpDescription& d : group.ops)
      if (auto op = trace.find_op(OpId{d.seq, 0}))
        marks[*op].causes.push_back(fmt::format("group {}: {}", g + 1, d.role.empty() ? "involved" : d.role));
  }
  std::vector<std::size_t> interesting, dur, crash, cause;
  for (const auto& [op, m] : marks) {
    interesting.push_back(op);
    if (m.crash_violations) crash.push_back(op);
    if (!m.causes.empty()) cause.push_back(op);
  }
  for (std::size_t i = 0; i < n; ++i)
    if (is_durability(trace.op(i).type)) dur.push_back(i);
  const std::vector<bool> shown = choose_rows(n, interesting, max_ops);
  const auto rows = static_cast<std::size_t>(std::count(shown.begin(), shown.end(), true));

  std::string out = "<section id=\"timeline\"><h2>Timeline</h2>\n";
  out += fmt::format("<p class=\"note\">{} operations, {} durability operations, {} crash points with listed "
                     "violations.",
                     n, dur.size(), crash.size());
  if (rows < n) {
    out += fmt::format(" <strong class=\"capped\">Showing {} of {} operations</strong> (the ones around the "
                       "violations' crash points and causes); <code>crashfs dump</code> lists them all.",
                       rows, n);
  }
  out += "</p>\n" + overview_strip(n, dur, crash, cause);
  out += "<p class=\"legend\"><span class=\"key dur\">durability (fsync)</span> <span class=\"key crash\">crash point "
         "of a violation</span> <span class=\"key cause\">operation at fault</span> "
         "<label>filter <input id=\"timeline-filter\" type=\"search\" placeholder=\"path, syscall, process\"></label></p>\n";
  out += "<table class=\"timeline\"><thead><tr><th>seq</th><th>process</th><th>syscall</th><th>path</th>"
         "<th>offset</th><th>length</th><th>durable at</th><th>notes</th></tr></thead><tbody>\n";

  const TraceIndex& index = explorer.index();
  PathTracker paths;
  std::size_t next = 0, skipped = 0;
  const auto& records = trace.records();
  for (std::uint32_t r = 0; r < records.size(); ++r) {
    const Record& rec = records[r];
    if (next < n && trace.ops()[next] == r) {
      const std::size_t i = next++;
      if (!shown[i]) {
        ++skipped;
      } else {
        if (skipped) {
          out += fmt::format("<tr class=\"gap\"><td colspan=\"8\">\u2026 {} operation(s) not shown \u2026</td></tr>\n",
                             skipped);
          skipped = 0;
        }
        std::string cls = "op";
        std::string notes;
        if (is_durability(rec.type)) cls += " dur";
        if (auto it = marks.find(i); it != marks.end()) {
          if (it->second.crash_violations) {
            cls += " crash";
            notes += fmt::format("crash point of {} listed violation(s)", it->second.crash_violations);
          }
          if (!it->second.causes.empty()) cls += " cause";
          for (const auto& c : it->second.causes) notes += (notes.empty() ? "" : "; ") + c;
        }
        std::string durable;
        if (index.is_mutation(i)) {
          const std::uint32_t at = index.facts(i).durable_at;
          durable = at == kNever ? "never" : "#" + trace.op_id(at).to_string();
        }
        const std::string comm(paths.comm_of(rec.pid));
        const auto [offset, length] = offset_length(rec);
        const std::string id = trace.op_id(i).to_string();
        out += fmt::format(
            "<tr class=\"{}\" id=\"op-{}\"><td>#{}</td><td>{}[{}/{}]</td><td>{}{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>\n",
            cls, id, id, markup_text(comm.empty() ? "?" : comm), rec.pid, rec.tid, to_string(rec.type),
            is_synthetic(rec) ? " (inserted)" : "", markup_text(op_path(rec, paths)), offset, markup_text(length),
            durable == "never" ? "never" : "", durable, markup_text(notes));
      }
    }
    paths.apply(rec);
  }
  if (skipped)
    out += fmt::format("<tr class=\"gap\"><td colspan=\"8\">\u2026 {} operation(s) not shown \u2026</td></tr>\n", skipped);
  out += "</tbody></table></section>\n";
  return out;
}

}  // namespace crashfs
