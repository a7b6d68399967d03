#include "checkers/journal_main_line.h"

#include <algorithm>
#include <string>

namespace crashfs {

JournalMainLine::JournalMainLine(const JournalFormat& format)
    : format_(format), content_(std::make_shared<BytesContent>(std::string())) {
  Boundary start;
  start.digest.add(std::string_view("journal"));  // as journal_view starts
  boundaries_.push_back(std::move(start));
}

const JournalMainLine::Boundary& JournalMainLine::boundary_at(std::uint64_t limit) const {
  auto it = std::upper_bound(boundaries_.begin(), boundaries_.end(), limit,
                             [](std::uint64_t at, const Boundary& b) { return at < b.at.offset; });
  return *(it - 1);  // boundaries_[0] is at offset 0
}

void JournalMainLine::extend(const std::shared_ptr<const FileContent>& content) {
  if (content == content_) return;
  const std::uint64_t shared = content->common_prefix(*content_);
  const bool same = shared == content->size() && shared == content_->size();
  content_ = content;
  if (same) return;
  while (boundaries_.size() > 1 && boundaries_.back().at.offset > shared) boundaries_.pop_back();
  const std::uint64_t from = boundaries_.back().at.offset;
  std::string bytes;
  content->read(from, content->size() - from, bytes);
  std::vector<ReaderCheckpoint> checkpoints;
  rest_ = format_.parse_from(boundaries_.back().at, bytes, &checkpoints);
  for (ReaderCheckpoint& at : checkpoints) {
    // A suspect entry is a finding: the bytes before a boundary must hold none.
    if (!at.last->suspect.empty()) break;
    Boundary next{std::move(at), boundaries_.back().digest};
    next.digest.add(std::string_view(bytes).substr(next.at.last->offset - from, next.at.last->size));
    boundaries_.push_back(std::move(next));
  }
  // What follows the last boundary: usually a torn tail, or nothing.
  const ReaderCheckpoint& last = boundaries_.back().at;
  if (last.offset != from) rest_ = format_.parse_from(last, std::string_view(bytes).substr(last.offset - from));
}

std::optional<JournalEntry> JournalMainLine::covering(std::uint64_t offset) const {
  if (rest_.reset()) return std::nullopt;  // the reader discards every entry
  const std::uint64_t rest_at = boundaries_.back().at.offset;
  if (offset >= rest_at) return JournalParseIndex(rest_, rest_at).covering(offset);
  // The entry before the first boundary after `offset`, if it reaches back to it.
  auto it = std::upper_bound(boundaries_.begin(), boundaries_.end(), offset,
                             [](std::uint64_t at, const Boundary& b) { return at < b.at.offset; });
  const JournalEntry& last = *it->at.last;
  if (last.offset > offset) return std::nullopt;  // a gap (LevelDB's block trailers)
  return last;
}

Recovered JournalMainLine::view_after(const Boundary& from, std::string_view tail, const JournalParse& parse) const {
  // journal_view of the whole file: no entries after a reset (it discards
  // the prefix's too), else the prefix's entries, then these.
  const std::size_t entries = parse.reset() ? 0 : from.at.entries + parse.entries.size();
  const std::size_t header = std::min(format_.header_entries(), entries);
  if (entries == header) return Recovered{kAbsentView, "no entries"};
  ViewDigest digest = from.digest;
  for (const JournalEntry& e : parse.entries) digest.add(tail.substr(e.offset, e.size));
  return Recovered{digest.finish(), std::to_string(entries - header) + (entries - header == 1 ? " entry" : " entries")};
}

}  // namespace crashfs
