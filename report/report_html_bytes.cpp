// The "crash state vs what was written" section of the HTML report.
#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "report/report_html_escape.h"
#include "report/report_html_parts.h"

namespace crashfs {
namespace {

constexpr std::uint64_t kWindow = 256;        // bytes shown around the violation
constexpr std::uint64_t kWholeFileUpTo = 512;  // smaller files are shown whole
constexpr std::uint64_t kBytesPerRow = 16;

// One side of the comparison: the file in one state, if it is there.
struct Side {
  const FileEntry* entry = nullptr;
  std::string content;
  bool present() const { return entry != nullptr; }
};

Side load(const StateView& view, const std::string& path) {
  Side s;
  s.entry = view.find(path);
  if (s.entry != nullptr && s.entry->kind != NodeKind::kDirectory) s.content = view.read(*s.entry);
  return s;
}

std::optional<std::uint64_t> first_difference(const std::string& a, const std::string& b) {
  const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  if (ia == a.end() && ib == b.end()) return std::nullopt;
  return static_cast<std::uint64_t>(ia - a.begin());
}

// Hex and ASCII rows of `self` over [start, end), bytes that differ from
// `other` (or exist on one side only) in span.d, the violation's byte in
// span.v, bytes past the end of `self` blank.
std::string hex_rows(const std::string& self, const std::string& other, std::uint64_t start, std::uint64_t end,
                     std::optional<std::uint64_t> mark) {
  std::string out;
  for (std::uint64_t row = start; row < end; row += kBytesPerRow) {
    std::string hex, ascii;
    std::string open_cls;  // class of the span currently open in hex / ascii
    const auto cls_of = [&](std::uint64_t k) -> std::string {
      if (k >= self.size()) return "e";
      std::string c = (k >= other.size() || self[k] != other[k]) ? "d" : "";
      if (mark && k == *mark) c += c.empty() ? "v" : " v";
      return c;
    };
    // Emit byte by byte, merging runs of one class into a single span.
    std::string cur_cls;
    std::string hex_run, ascii_run;
    const auto flush = [&] {
      if (hex_run.empty()) return;
      if (cur_cls.empty()) {
        hex += hex_run, ascii += ascii_run;
      } else {
        hex += fmt::format("<span class=\"{}\">{}</span>", cur_cls, hex_run);
        ascii += fmt::format("<span class=\"{}\">{}</span>", cur_cls, ascii_run);
      }
      hex_run.clear(), ascii_run.clear();
    };
    for (std::uint64_t k = row; k < row + kBytesPerRow; ++k) {
      const std::string cls = k < end ? cls_of(k) : "e";
      if (cls != cur_cls) flush(), cur_cls = cls;
      if (k > row) hex_run += k == row + 8 ? "  " : " ";
      if (k >= self.size() || k >= end) {
        hex_run += "  ", ascii_run += " ";
      } else {
        const auto c = static_cast<unsigned char>(self[k]);
        hex_run += fmt::format("{:02x}", c);
        ascii_run += (c >= 0x20 && c < 0x7f) ? markup_text(std::string_view(reinterpret_cast<const char*>(&self[k]), 1))
                                             : std::string(".");
      }
    }
    flush();
    out += fmt::format("<span class=\"off\">{:08x}</span>  {}  |{}|\n", row, hex, ascii);
  }
  return out;
}

// Where the bytes of the window came from, in `view`.
std::string provenance_list(const StateView& view, const Side& side, std::uint64_t start, std::uint64_t end,
                            Explorer& explorer) {
  if (!side.present() || side.entry->kind != NodeKind::kFile || start >= side.entry->size) return "";
  std::string out = "<ul class=\"prov\">";
  for (const Provenance& p : view.provenance(*side.entry, start, std::min(end, side.entry->size) - start)) {
    std::string from = p.zeros ? "zeros (hole, grown region or lost data)"
                       : p.seq == 0 ? "pre-existing content"
                                    : describe_seq(explorer, p.seq);
    out += fmt::format("<li>bytes {}..{}: {}</li>", p.offset, p.offset + p.length, markup_text(from));
  }
  return out + "</ul>";
}

std::string pane(std::string_view title, const StateView& view, const Side& side, const Side& other,
                 std::uint64_t start, std::uint64_t end, std::optional<std::uint64_t> mark, Explorer& explorer,
                 std::string_view cls) {
  std::string out = fmt::format("<div class=\"pane {}\"><h4>{}</h4>", cls, title);
  if (!side.present()) return out + "<p class=\"absent\">absent</p></div>";
  if (side.entry->kind == NodeKind::kDirectory) return out + "<p class=\"absent\">a directory</p></div>";
  out += fmt::format("<p class=\"size\">size {} bytes{}</p>", side.entry->size,
                     side.entry->kind == NodeKind::kSymlink ? " (symlink; bytes are its target)" : "");
  if (side.content.empty()) out += "<p class=\"note\">empty</p>";
  if (end > start) out += "<pre class=\"hex\">" + hex_rows(side.content, other.content, start, end, mark) + "</pre>";
  return out + provenance_list(view, side, start, end, explorer) + "</div>";
}

std::string render_case(const ByteCase& c, std::size_t index, Explorer& explorer) {
  std::string out = fmt::format("<div class=\"case\" data-case=\"{}\" id=\"case-{}\"{}>", index, index,
                                index == 0 ? "" : " hidden");
  out += fmt::format("<p><strong>[{}] {}</strong>: {}</p>", markup_text(c.checker), markup_text(c.path),
                     markup_text(c.reason));
  StateSpec spec;
  std::shared_ptr<const StateView> state;
  Status st = StateSpec::parse(c.state_id, spec);
  if (st) st = explorer.view(spec, state);
  const auto point = explorer.trace().find_op(spec.point);
  if (st && !point) st = Status::not_found("crash point " + spec.point.to_string() + " is not in the trace");
  if (!st) {
    return out + fmt::format("<p class=\"error\">cannot rebuild state {}: {}</p></div>", markup_text(c.state_id),
                             markup_text(st.message()));
  }
  const std::shared_ptr<const StateView> completed = explorer.completed(*point);
  out += fmt::format("<p class=\"state\">state <code>{}</code>: {}</p>", markup_text(c.state_id),
                     markup_text(explorer.describe(spec)));

  const Side a = load(*state, c.path);
  const Side b = load(*completed, c.path);
  const std::uint64_t size = std::max(a.content.size(), b.content.size());
  const std::optional<std::uint64_t> diff = first_difference(a.content, b.content);
  const std::optional<std::uint64_t> focus = c.offset ? c.offset : diff;
  std::uint64_t start = 0, end = size;
  if (size > kWholeFileUpTo) {
    const std::uint64_t at = std::min(focus.value_or(0), size - 1) / kBytesPerRow * kBytesPerRow;
    start = at >= kWindow * 3 / 8 ? at - kWindow * 3 / 8 : 0;
    end = std::min(size, start + kWindow);
  }
  end = (end + kBytesPerRow - 1) / kBytesPerRow * kBytesPerRow;  // whole rows
  out += fmt::format("<p class=\"window\">violation at offset {}; first differing byte {}; showing bytes {}..{}</p>",
                     c.offset ? std::to_string(*c.offset) : "not listed",
                     diff ? std::to_string(*diff) : "none (identical)", start, std::min(end, size));
  out += "<div class=\"sides\">";
  out += pane("crash state", *state, a, b, start, end, c.offset, explorer, "state");
  out += pane(fmt::format("what was written (process-kill state after #{})", spec.point.to_string()), *completed, b, a,
              start, end, c.offset, explorer, "written");
  return out + "</div></div>\n";
}

}  // namespace

std::vector<ByteCase> choose_byte_cases(const CheckReport& report, const Explanation& explanation, std::size_t max) {
  std::vector<ByteCase> cases;
  for (std::size_t g = 0; g < explanation.groups.size() && cases.size() < max; ++g) {
    const ViolationGroup& group = explanation.groups[g];
    ByteCase c{fmt::format("group {}: [{}] {} ({})", g + 1, group.checker, group.path, group.example_state),
               group.example_state, group.checker, group.path, group.reason, std::nullopt, static_cast<int>(g)};
    // The group's path may have digits folded: take the listed violation's.
    const StateViolation* best = nullptr;
    for (const StateViolation& sv : report.violations) {
      if (sv.state_id != group.example_state || sv.violation.checker != group.checker) continue;
      if (best == nullptr || sv.violation.path == group.path) best = &sv;
    }
    if (best != nullptr) c.path = best->violation.path, c.offset = best->violation.offset;
    cases.push_back(std::move(c));
  }
  if (!explanation.groups.empty()) return cases;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> seen;
  for (const StateViolation& sv : report.violations) {
    if (cases.size() >= max) break;
    const Violation& v = sv.violation;
    if (!seen.emplace(v.checker, v.path, v.grade, v.reason).second) continue;
    cases.push_back(ByteCase{fmt::format("[{}] {} @{} ({})", v.checker, v.path, v.offset, sv.state_id), sv.state_id,
                             v.checker, v.path, v.reason, v.offset, -1});
  }
  return cases;
}

std::string render_bytes_section(const std::vector<ByteCase>& cases, Explorer& explorer) {
  std::string out = "<section id=\"bytes\"><h2>Crash state vs. what was written</h2>\n";
  if (cases.empty()) return out + "<p class=\"note\">No violations to show.</p></section>\n";
  out += "<p class=\"note\">The violating file in the example crash state, next to the same file in the state a "
         "crash-free run had at the same crash point. Differing bytes are <span class=\"d\">highlighted</span>; the "
         "violation's offset is <span class=\"v\">outlined</span>.</p>\n";
  out += "<label>violation <select id=\"case-select\">";
  for (std::size_t i = 0; i < cases.size(); ++i)
    out += fmt::format("<option value=\"{}\">{}</option>", i, markup_text(cases[i].label));
  out += "</select></label>\n";
  for (std::size_t i = 0; i < cases.size(); ++i) out += render_case(cases[i], i, explorer);
  return out + "</section>\n";
}

}  // namespace crashfs
