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
  (void)format_.parse_from(boundaries_.back().at, bytes, &checkpoints);
  for (ReaderCheckpoint& at : checkpoints) {
    // A suspect entry is a finding: the bytes before a boundary must hold none.
    if (!at.last->suspect.empty()) break;
    Boundary next{std::move(at), boundaries_.back().digest};
    next.digest.add(std::string_view(bytes).substr(next.at.last->offset - from, next.at.last->size));
    boundaries_.push_back(std::move(next));
  }
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
