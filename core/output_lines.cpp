#include "core/output_lines.h"

#include <algorithm>

#include <fmt/format.h>

namespace crashfs {

std::string output_stream_name(std::uint32_t stream) {
  if (stream == kOutputStdout) return "stdout";
  if (stream == kOutputStderr) return "stderr";
  return fmt::format("stream {}", stream);
}

OutputLineSplitter::Pending& OutputLineSplitter::pending(std::uint32_t stream) {
  for (Pending& p : streams_) {
    if (p.stream == stream) return p;
  }
  streams_.push_back(Pending{});
  streams_.back().stream = stream;
  return streams_.back();
}

void OutputLineSplitter::feed(const Record& rec, std::size_t record, std::size_t ops_before) {
  if (rec.type != RecordType::kOutput || rec.data.empty()) return;
  Pending& p = pending(rec.flags);
  OutputLine at;
  at.stream = rec.flags;
  at.seq = rec.seq;
  at.record = record;
  at.ops_before = ops_before;
  at.pid = rec.pid;
  at.tid = rec.tid;
  std::string_view data = rec.data;
  for (std::size_t nl = data.find('\n'); nl != std::string_view::npos; nl = data.find('\n')) {
    OutputLine line = at;
    if (p.text.empty()) {
      line.text.assign(data.substr(0, nl));
    } else {
      line.text = std::move(p.text);
      line.text.append(data.substr(0, nl));
      p.text.clear();
    }
    sink_(std::move(line));
    data.remove_prefix(nl + 1);
  }
  p.text.append(data);
  p.last = std::move(at);
}

void OutputLineSplitter::finish() {
  std::vector<Pending*> tails;
  for (Pending& p : streams_) {
    if (!p.text.empty()) tails.push_back(&p);
  }
  std::sort(tails.begin(), tails.end(), [](const Pending* a, const Pending* b) { return a->last.record < b->last.record; });
  for (Pending* p : tails) {
    OutputLine line = std::move(p->last);
    line.text = std::move(p->text);
    line.terminated = false;
    p->text.clear();
    sink_(std::move(line));
  }
}

std::vector<OutputLine> output_lines(const Trace& trace) {
  std::vector<OutputLine> lines;
  OutputLineSplitter splitter([&lines](OutputLine&& line) { lines.push_back(std::move(line)); });
  const auto& records = trace.records();
  const auto& ops = trace.ops();
  std::size_t ops_before = 0;
  for (std::size_t r = 0; r < records.size(); ++r) {
    if (ops_before < ops.size() && ops[ops_before] == r) {
      ++ops_before;  // an operation record is never an Output record
      continue;
    }
    splitter.feed(records[r], r, ops_before);
  }
  splitter.finish();
  return lines;
}

}  // namespace crashfs
