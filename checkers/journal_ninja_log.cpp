#include "checkers/journal_ninja_log.h"

#include <algorithm>
#include <string>

namespace crashfs {
namespace {

constexpr std::string_view kLogSignature = "# ninja log v";

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
bool is_decimal(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  return all_of(s, is_digit);
}

bool valid_log_header(std::string_view line) {  // line without '\n'
  if (line.substr(0, kLogSignature.size()) != kLogSignature) return false;
  const std::string_view version = line.substr(kLogSignature.size());
  return version == "4" || version == "5" || version == "6" || version == "7";
}

// Why a line ninja accepts is not one the writer writes ("" if it is).
std::string log_line_suspect(std::string_view line) {  // without '\n'
  if (line.find('\0') != std::string_view::npos) return "NUL bytes in a log line";
  std::string_view fields[5];
  std::size_t count = 0, start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    if (count == 5) return "more than 5 fields";
    fields[count++] = line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  if (count != 5) return "fewer than 5 fields";
  if (!is_decimal(fields[0]) || !is_decimal(fields[1]) || !is_decimal(fields[2])) return "non-numeric time field";
  if (fields[3].empty()) return "empty output path";
  if (!all_of(fields[4], is_hex)) return "command hash is not lowercase hex";
  return {};
}

class NinjaLogFormat : public JournalFormat {
 public:
  std::string name() const override { return "ninja-log"; }
  bool detects_torn_payload() const override { return false; }
  std::size_t header_entries() const override { return 1; }

  // The reader carries nothing from line to line but whether it read the
  // header line, which is the file's first: checkpoints need no state.
  JournalParse parse_from(const ReaderCheckpoint& from, std::string_view file,
                          std::vector<ReaderCheckpoint>* checkpoints) const override {
    JournalParse out;
    std::uint64_t offset = 0;
    bool header = from.offset == 0;
    while (offset < file.size()) {
      const std::size_t nl = file.find('\n', offset);
      if (nl == std::string_view::npos) {
        JournalDamage d;
        d.offset = offset;
        d.length = file.size() - offset;
        d.entry_index = out.entries.size();
        d.what = header ? "partial header line" : "partial line";
        d.response = ReaderResponse::kTrim;
        out.damage.push_back(d);
        break;
      }
      const std::string_view line = file.substr(offset, nl - offset);
      const std::uint64_t size = nl + 1 - offset;
      if (header) {
        header = false;
        if (!valid_log_header(line)) {
          JournalDamage d;
          d.offset = offset;
          d.length = file.size();
          d.what = "first line is not a supported '# ninja log vN' header";
          d.response = ReaderResponse::kReset;
          d.hidden_entries = count_entry_lines(file.substr(nl + 1));
          d.at_tail = d.hidden_entries == 0;  // nothing usable after it: nothing lost
          if (!d.at_tail) d.resume_offset = nl + 1;
          out.damage.push_back(d);
          return out;
        }
        out.entries.push_back(JournalEntry{offset, size, {}});
      } else if (std::count(line.begin(), line.end(), '\t') >= 4) {
        out.entries.push_back(JournalEntry{offset, size, log_line_suspect(line)});
      } else {
        JournalDamage d;
        d.offset = offset;
        d.length = size;
        d.entry_index = out.entries.size();
        d.what = "unparsable line (fewer than 4 tabs)";
        d.response = ReaderResponse::kSkip;
        d.resume_offset = nl + 1;
        out.damage.push_back(d);
      }
      if (checkpoints && out.damage.empty()) checkpoints->push_back(checkpoint_after(from, out.entries, nullptr));
      offset = nl + 1;
    }
    // A skipped line is at the tail when the reader uses nothing after it.
    for (auto& d : out.damage) {
      if (d.response != ReaderResponse::kSkip) continue;
      d.at_tail = out.entries.empty() || out.entries.back().offset < d.offset;
    }
    return out;
  }

 private:
  // Complete lines the reader would have used.
  static std::size_t count_entry_lines(std::string_view rest) {
    std::size_t count = 0;
    for (std::size_t start = 0, nl; (nl = rest.find('\n', start)) != std::string_view::npos; start = nl + 1) {
      const std::string_view line = rest.substr(start, nl - start);
      if (std::count(line.begin(), line.end(), '\t') >= 4) ++count;
    }
    return count;
  }
};

}  // namespace

std::unique_ptr<JournalFormat> make_ninja_log_format() { return std::make_unique<NinjaLogFormat>(); }

}  // namespace crashfs
