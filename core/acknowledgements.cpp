#include "core/acknowledgements.h"

#include <algorithm>
#include <regex>
#include <utility>

#include <fmt/format.h>

#include "core/output_lines.h"

namespace crashfs {
namespace {

Status compile(const std::string& pattern, std::regex& out) {
  try {
    out = std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    return Status::invalid_argument(fmt::format("--ack '{}' is not a valid regular expression: {}", pattern, e.what()));
  }
  return Status::ok();
}

// Printable, short: for the acknowledgement's description.
std::string quoted(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 80)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  if (text.size() > 80) out += "...";
  return "\"" + out + "\"";
}

std::string after(const Trace& trace, std::size_t moment) {
  return moment == 0 ? "before the first operation" : fmt::format("after #{}", trace.op_id(moment - 1).to_string());
}

}  // namespace

Status validate_ack_pattern(const std::string& pattern) {
  std::regex re;
  return compile(pattern, re);
}

Status collect_acknowledgements(const Trace& trace, const std::string& pattern, std::vector<Acknowledgement>& out) {
  std::regex re;
  if (Status st = compile(pattern, re); !st) return st;
  std::vector<std::pair<std::size_t, Acknowledgement>> found;  // (record index, ack), to merge in trace order
  std::size_t moment = 0;  // operations before the current record
  const auto& ops = trace.ops();
  for (std::uint32_t r = 0; r < trace.records().size(); ++r) {
    if (moment < ops.size() && ops[moment] == r) {
      ++moment;
      continue;
    }
    const Record& rec = trace.records()[r];
    if (rec.type == RecordType::kMark) {
      const std::string label(rec.data);
      if (std::regex_search(label, re))
        found.emplace_back(r, Acknowledgement{moment, fmt::format("mark {} {}", quoted(label), after(trace, moment))});
    }
  }
  for (const OutputLine& line : output_lines(trace)) {
    if (!std::regex_search(line.text, re)) continue;
    found.emplace_back(line.record,
                       Acknowledgement{line.ops_before, fmt::format("{} line {} {}", output_stream_name(line.stream),
                                                                    quoted(line.text), after(trace, line.ops_before))});
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [r, ack] : found) out.push_back(std::move(ack));
  return Status::ok();
}

}  // namespace crashfs
