#include "checkers/journal_checker.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "checkers/glob.h"
#include "checkers/journal_main_line.h"

namespace crashfs {
namespace {

constexpr std::uint64_t kNone = ~std::uint64_t{0};

std::string entry_at(std::size_t index, std::uint64_t offset) {
  return "entry " + std::to_string(index) + " at offset " + std::to_string(offset);
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// First offset in [offset, offset + length) where `state` and `other`
// differ (a missing byte in `other` counts as a difference), or kNone.
std::uint64_t first_difference(std::string_view state, std::string_view other, std::uint64_t offset, std::uint64_t length) {
  const std::uint64_t end = offset + length;
  for (std::uint64_t i = offset; i < end; ++i)
    if (i >= other.size() || state[i] != other[i]) return i;
  return kNone;
}

bool all_zero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

// True if the damage at `offset` is only the state ending inside an entry
// the writer completed: the state's bytes from there are a prefix of an
// entry the completed state holds whole.  Resynchronisation may then have
// found frames inside that entry's payload, not hidden entries.
bool torn_prefix_of_completed(const JournalParse& completed_parse, std::string_view state, std::string_view completed,
                              std::uint64_t offset) {
  for (const auto& e : completed_parse.entries) {
    if (e.offset != offset) continue;
    return e.offset + e.size >= state.size() && completed.size() >= state.size() &&
           state.substr(offset) == completed.substr(offset, state.size() - offset);
  }
  return false;
}

std::string consequence(const JournalDamage& d) {
  switch (d.response) {
    case ReaderResponse::kReset:
      return "full rebuild: data lost (" + plural(d.entry_index + d.hidden_entries, "entry", "entries") + " discarded)";
    case ReaderResponse::kTruncate:
      return plural(d.hidden_entries, "later entry", "later entries") + " lost";
    case ReaderResponse::kSkip:
      return std::to_string(d.length) + " bytes dropped" +
             (d.hidden_entries ? ", holding " + plural(d.hidden_entries, "complete entry", "complete entries") : "");
    case ReaderResponse::kTrim: return "nothing after it is read";
  }
  return {};
}

// Where the bytes judged start in the whole file (journal_checker.h,
// judge_journal_from): offsets and entry indices in messages are the file's.
struct Shift {
  std::uint64_t offset = 0;
  std::size_t entries = 0;
  const std::optional<JournalEntry>* last = nullptr;  // the prefix's last entry (absolute)
};

JournalFinding mid_file_damage(const JournalParse& parse, const JournalDamage& d, const Shift& at) {
  JournalFinding f;
  const std::size_t index = at.entries + d.entry_index;
  f.offset = at.offset + d.offset;
  f.grade = "mid-file-damage";
  f.reason = d.what + " at " + entry_at(index, at.offset + d.offset);
  if (d.hidden_entries)
    f.reason += "; " + plural(d.hidden_entries, "complete entry follows", "complete entries follow") + " from offset " +
                std::to_string(at.offset + d.resume_offset);
  else if (d.resume_offset)
    f.reason += "; entries follow from offset " + std::to_string(at.offset + d.resume_offset);
  JournalDamage whole = d;
  whole.entry_index = index;
  f.reason += "; the reader " + std::string(describe(d.response)) + ": " + consequence(whole);
  std::uint64_t start = at.offset + d.offset;
  std::optional<JournalEntry> before;
  if (d.entry_index > 0 && d.entry_index <= parse.entries.size()) {
    before = parse.entries[d.entry_index - 1];
    before->offset += at.offset;
  } else if (d.entry_index == 0 && !parse.reset() && at.last != nullptr && *at.last) {
    before = **at.last;  // the whole file's entry before; a reset discards it
  }
  if (d.short_frame && index > 0 && before) {
    // The reader stopped inside garbage; the half-written entry that caused
    // it may have been read as part of the entry before.
    f.reason += " (entry " + std::to_string(index - 1) + " at offset " + std::to_string(before->offset) +
                " may hold the start of a half-written entry)";
    start = before->offset;
  }
  const std::uint64_t end = at.offset + (d.resume_offset > d.offset ? d.resume_offset : d.offset + d.length);
  f.ranges.push_back({JournalFinding::View::kState, start, end - start});
  return f;
}

void judge_entries(const JournalParse& parse, std::string_view state, std::optional<std::string_view> completed,
                   const Shift& at, std::vector<JournalFinding>& out) {
  std::size_t bad = 0;
  JournalFinding first;
  for (std::size_t i = 0; i < parse.entries.size(); ++i) {
    const JournalEntry& e = parse.entries[i];
    const std::uint64_t offset = at.offset + e.offset;
    JournalFinding f;
    if (!e.suspect.empty()) {
      f.offset = offset;
      f.grade = "silent-corruption";
      f.reason = entry_at(at.entries + i, offset) + " is accepted by the reader but no writer writes it: " + e.suspect;
      f.ranges.push_back({JournalFinding::View::kState, offset, e.size});
    } else if (completed) {
      const std::uint64_t diff = first_difference(state, *completed, e.offset, e.size);
      if (diff == kNone) continue;
      const std::uint64_t end = e.offset + e.size;
      const bool last = i + 1 == parse.entries.size();
      f.offset = at.offset + diff;
      f.differs_from_completed = true;
      f.grade = last ? "torn-undetectable" : "silent-corruption";
      f.reason = entry_at(at.entries + i, offset) + " (" + std::to_string(e.size) +
                 " bytes) differs from what the writer wrote from offset " + std::to_string(at.offset + diff) +
                 (all_zero(state.substr(diff, end - diff)) ? " (reads as zeros)" : "") +
                 " and the format cannot tell: the reader accepts wrong bytes";
      f.ranges.push_back({JournalFinding::View::kState, at.offset + diff, end - diff});
      if (completed->size() > diff)
        f.ranges.push_back({JournalFinding::View::kCompleted, at.offset + diff,
                            std::min<std::uint64_t>(end, completed->size()) - diff});
    } else {
      continue;
    }
    if (bad++ == 0) first = std::move(f);
  }
  if (bad == 0) return;
  if (bad > 1) first.reason += " (" + std::to_string(bad) + " such entries in all)";
  out.push_back(std::move(first));
}

// Entries the reader accepts that are not the entry the writer completed
// at that offset: the writer's next complete version of the file holds a
// different entry there (a zero-length placeholder read as an empty entry
// before its length was patched in), or an entry that straddles the
// offset.  Offsets the reference does not reach say nothing (the writer
// truncated or rewrote the file later).
void judge_against_reference(const JournalParse& parse, std::string_view state, std::string_view reference,
                             const JournalEntryIndex& ref_entries, const Shift& at, std::vector<JournalFinding>& out) {
  std::size_t bad = 0;
  JournalFinding first;
  for (std::size_t i = 0; i < parse.entries.size(); ++i) {
    const JournalEntry& e = parse.entries[i];
    std::optional<JournalEntry> covering = ref_entries.covering(at.offset + e.offset);
    if (!covering) continue;  // a gap or past the reference's entries
    JournalEntry& r = *covering;
    r.offset -= at.offset;  // no entry straddles the checkpoint: r starts after it
    // (`reference` may stop at the state's end: an entry that is the same ends there too)
    const bool same = r.offset == e.offset && r.size == e.size && r.offset + r.size <= reference.size() &&
                      state.substr(e.offset, e.size) == reference.substr(r.offset, r.size);
    if (same) continue;
    if (bad++ > 0) continue;
    first.offset = at.offset + e.offset;
    first.grade = i + 1 == parse.entries.size() ? "torn-undetectable" : "silent-corruption";
    first.reason = entry_at(at.entries + i, at.offset + e.offset) + " (" + std::to_string(e.size) +
                   " bytes) is accepted by the reader but is not the entry the writer completed " +
                   (r.offset == e.offset ? "there (" + std::to_string(r.size) + " bytes)"
                                         : "there (its entry at offset " + std::to_string(at.offset + r.offset) + " covers it)") +
                   ": the reader takes an entry that was never written whole (a placeholder, or a length patched in later)";
    first.ranges.push_back({JournalFinding::View::kState, at.offset + e.offset, e.size});
    first.ranges.push_back({JournalFinding::View::kReference, at.offset + r.offset, r.size});
    first.differs_from_completed = true;  // moot if the state holds an older complete version
  }
  if (bad == 0) return;
  if (bad > 1) first.reason += " (" + std::to_string(bad) + " such entries in all)";
  out.push_back(std::move(first));
}

// The operations that wrote the damaged bytes in the crash-free run: under
// power loss those are the writes that were lost or zeroed.
void also_in_completed(JournalFinding& f, std::uint64_t completed_size) {
  const JournalFinding::Range r = f.ranges.front();
  if (r.offset >= completed_size) return;
  f.ranges.push_back({JournalFinding::View::kCompleted, r.offset, std::min(r.length, completed_size - r.offset)});
}

const FileEntry* file_in(const StateView& view, std::string_view path) {
  const FileEntry* e = view.find(path);
  return e && e->kind == NodeKind::kFile ? e : nullptr;
}

}  // namespace

std::optional<JournalEntry> JournalParseIndex::covering(std::uint64_t offset) const {
  if (offset < base_) return std::nullopt;
  auto it = std::upper_bound(parse_.entries.begin(), parse_.entries.end(), offset - base_,
                             [](std::uint64_t at, const JournalEntry& r) { return at < r.offset; });
  if (it == parse_.entries.begin()) return std::nullopt;
  JournalEntry r = *(it - 1);
  if (r.offset + r.size <= offset - base_) return std::nullopt;
  r.offset += base_;
  return r;
}

std::vector<JournalFinding> judge_journal_from(const JournalFormat& format, const ReaderCheckpoint& prefix,
                                               std::string_view state, std::optional<std::string_view> completed,
                                               std::optional<std::string_view> reference, JournalParse* state_parse,
                                               const JournalEntryIndex* reference_entries) {
  const Shift at{prefix.offset, prefix.entries, &prefix.last};
  std::vector<JournalFinding> out;
  JournalParse own;
  JournalParse& parse = state_parse ? *state_parse : own;
  parse = format.parse_from(prefix, state);
  std::optional<JournalParse> completed_parse;
  for (const JournalDamage& d : parse.damage) {
    bool at_tail = d.at_tail;
    if (!at_tail && completed) {
      if (!completed_parse) completed_parse = format.parse_from(prefix, *completed);
      at_tail = torn_prefix_of_completed(*completed_parse, state, *completed, d.offset);
    }
    const std::size_t index = at.entries + d.entry_index;
    if (!at_tail) {
      out.push_back(mid_file_damage(parse, d, at));
      if (completed) also_in_completed(out.back(), at.offset + completed->size());
    } else if (d.response == ReaderResponse::kReset && index > format.header_entries()) {
      JournalFinding f;
      f.offset = at.offset + d.offset;
      f.grade = "full-rebuild";
      f.reason = d.what + " at " + entry_at(index, at.offset + d.offset) + ", the torn last entry; the reader " +
                 std::string(describe(d.response)) + ": full rebuild: data lost (" +
                 plural(index, "entry", "entries") + " discarded)";
      f.ranges.push_back({JournalFinding::View::kState, at.offset + d.offset, d.length});
      if (completed) also_in_completed(f, at.offset + completed->size());
      out.push_back(std::move(f));
    }
  }
  judge_entries(parse, state, completed, at, out);
  if (out.empty() && reference) {
    if (reference_entries) {
      judge_against_reference(parse, state, *reference, *reference_entries, at, out);
    } else {
      const JournalParse ref = format.parse_from(prefix, *reference);
      judge_against_reference(parse, state, *reference, JournalParseIndex(ref, prefix.offset), at, out);
    }
  }
  return out;
}

std::vector<JournalFinding> judge_journal(const JournalFormat& format, std::string_view state,
                                          std::optional<std::string_view> completed,
                                          std::optional<std::string_view> reference) {
  return judge_journal_from(format, ReaderCheckpoint{}, state, completed, reference, nullptr);
}

Recovered journal_view(const JournalFormat& format, std::string_view bytes) {
  const JournalParse parse = format.parse(bytes);
  // A reader that finds no data entry (an empty file, a header alone, a
  // journal it discards) recovers what it recovers from no file at all.
  const std::size_t header = std::min(format.header_entries(), parse.entries.size());
  if (parse.entries.size() == header) return Recovered{kAbsentView, "no entries"};
  ViewDigest digest;
  digest.add(std::string_view("journal"));
  for (const JournalEntry& e : parse.entries) digest.add(bytes.substr(e.offset, e.size));
  return Recovered{digest.finish(), plural(parse.entries.size() - header, "entry", "entries")};
}

namespace {

// How a journal's reader reads a file back (view_oracle.h).
class JournalReader : public ViewReader {
 public:
  JournalReader(std::unique_ptr<JournalFormat> format, std::string glob, bool resume)
      : format_(std::move(format)), glob_(std::move(glob)), resume_(resume) {}

  std::string name() const override { return "journal:" + format_->name(); }
  std::string scope() const override { return "files matching " + glob_.pattern(); }
  bool file_scoped() const override { return true; }
  // A reader that truncates or skips damage still uses the entries before it.
  bool recovers_despite_damage() const override { return true; }

  void units(const StateView& state, std::vector<std::string>& out) override {
    for (const FileEntry& e : state.entries())
      if (e.kind == NodeKind::kFile && glob_.matches(e.path)) out.push_back(e.path);
  }
  bool reads(const std::string& path) override { return glob_.matches(path); }

  Recovered recover(const StateView& state, std::string_view, const std::string& unit) override {
    const FileEntry* e = file_in(state, unit);
    if (e == nullptr) return Recovered{kAbsentView, "no entries (absent)"};
    auto it = views_.find(e->hash);
    if (it == views_.end()) {
      Recovered view = resume_ ? resumed_view(unit, state.content(*e))
                                            : journal_view(*format_, state.read(*e));
      it = views_.emplace(e->hash, std::move(view)).first;
    }
    return it->second;
  }

  void integrity(const CheckContext& ctx, const std::string& path, std::vector<Violation>& out) override;

 private:
  struct Key {
    ContentHash state, completed, reference;
    bool operator==(const Key&) const = default;
  };
  struct KeyHasher {
    std::size_t operator()(const Key& k) const noexcept {
      const ContentHashHasher h;
      return h(k.state) ^ (h(k.completed) * 31) ^ (h(k.reference) * 1000003);
    }
  };

  // The file's main line (journal_main_line.h), made on first use.
  JournalMainLine& line(const std::string& path);
  Recovered resumed_view(const std::string& path, const std::shared_ptr<const FileContent>& content);
  std::vector<JournalFinding> resumed_judgement(const std::string& path, const ContentHash& state_hash,
                                                const std::shared_ptr<const FileContent>& state,
                                                const std::shared_ptr<const FileContent>& completed,
                                                const std::shared_ptr<const FileContent>& reference);

  std::unique_ptr<JournalFormat> format_;
  CachedGlob glob_;
  bool resume_;
  std::unordered_map<std::string, JournalMainLine> lines_;
  std::unordered_map<Key, std::vector<JournalFinding>, KeyHasher> verdicts_;
  std::unordered_map<ContentHash, Recovered, ContentHashHasher> views_;
};

void JournalReader::integrity(const CheckContext& ctx, const std::string& path, std::vector<Violation>& out) {
  const FileEntry* s = file_in(ctx.state, path);
  if (s == nullptr) return;  // absent: the oracle judges that
  const FileEntry* c = file_in(ctx.completed, path);
  // What the writer completed next: the node's next complete version.
  std::shared_ptr<const StateView> ref_view;
  const FileEntry* r = nullptr;
  if (ctx.history != nullptr) {
    if (auto next = ctx.versions.next_complete(s->node, ctx.crash_point);
        next && next->moment < ctx.history->moments()) {
      ref_view = ctx.history->state_at(next->moment);
      r = file_in(*ref_view, next->path);
      if (r != nullptr && r->node != s->node) r = nullptr;
    }
  }
  const Key key{s->hash, c ? c->hash : ContentHash{}, r ? r->hash : ContentHash{}};
  auto it = verdicts_.find(key);
  if (it == verdicts_.end() && resume_) {
    std::shared_ptr<const FileContent> rc;
    if (r) rc = ref_view->content(*r);
    it = verdicts_.emplace(key, resumed_judgement(path, s->hash, ctx.state.content(*s), c ? ctx.completed.content(*c) : nullptr, rc)).first;
  }
  if (it == verdicts_.end()) {
    const std::string sb = ctx.state.read(*s);
    std::optional<std::string> cb, rb;
    if (c) cb = ctx.completed.read(*c);
    if (r) rb = ref_view->read(*r);
    auto view = [](const std::optional<std::string>& b) { return b ? std::optional<std::string_view>(*b) : std::nullopt; };
    it = verdicts_.emplace(key, judge_journal(*format_, sb, view(cb), view(rb))).first;
  }
  // A state file equal to a version that was complete at some moment (the
  // journal before a rewrite, e.g. Shake's compaction) holds what a writer
  // wrote, only older: differing from the latest bytes is no corruption.
  std::optional<bool> older_complete_version;
  for (const JournalFinding& f : it->second) {
    if (f.differs_from_completed) {
      if (!older_complete_version) older_complete_version = ctx.versions.was_complete(path, s->hash, ctx.crash_point);
      if (*older_complete_version) continue;
    }
    Violation v;
    v.checker = name();
    v.path = path;
    v.offset = f.offset;
    v.reason = f.reason;
    v.grade = f.grade;
    for (const auto& range : f.ranges) {
      const StateView* view = range.view == JournalFinding::View::kState       ? &ctx.state
                              : range.view == JournalFinding::View::kCompleted ? &ctx.completed
                                                                               : ref_view.get();
      const FileEntry* entry = range.view == JournalFinding::View::kState ? s : range.view == JournalFinding::View::kCompleted ? c : r;
      if (!view || !entry || range.length == 0) continue;
      for (const Provenance& p : view->provenance(*entry, range.offset, range.length))
        if (p.seq != 0) v.ops.push_back(p.seq);
    }
    std::sort(v.ops.begin(), v.ops.end());
    v.ops.erase(std::unique(v.ops.begin(), v.ops.end()), v.ops.end());
    out.push_back(std::move(v));
  }
}

JournalMainLine& JournalReader::line(const std::string& path) {
  auto it = lines_.find(path);
  if (it == lines_.end()) it = lines_.emplace(path, JournalMainLine(*format_)).first;
  return it->second;
}

Recovered JournalReader::resumed_view(const std::string& path, const std::shared_ptr<const FileContent>& content) {
  const JournalMainLine& main = line(path);
  const JournalMainLine::Boundary& from = main.boundary_at(content->common_prefix(*main.content()));
  std::string bytes;
  content->read(from.at.offset, content->size() - from.at.offset, bytes);
  return main.view_after(from, bytes, format_->parse_from(from.at, bytes));
}

std::vector<JournalFinding> JournalReader::resumed_judgement(const std::string& path, const ContentHash& state_hash,
                                                             const std::shared_ptr<const FileContent>& state,
                                                             const std::shared_ptr<const FileContent>& completed,
                                                             const std::shared_ptr<const FileContent>& reference) {
  JournalMainLine& main = line(path);
  // The line follows the reference when there is one: every state up to
  // the writer's next completion shares it, and its entries are what the
  // states' entries are compared with (judge_journal_from).
  if (reference) main.extend(reference);
  else if (completed) main.extend(completed);
  // The bytes the state, the completed file, the reference and the main
  // line all share, from the start.
  std::uint64_t limit = state->common_prefix(*main.content());
  if (completed && completed != main.content()) limit = std::min(limit, state->common_prefix(*completed));
  const JournalMainLine::Boundary& from = main.boundary_at(limit);
  std::string sb, cb, rb;
  const std::uint64_t at = from.at.offset;
  state->read(at, state->size() - at, sb);
  if (completed) completed->read(at, completed->size() - at, cb);
  // The reference is the main line, which indexes its entries: its bytes
  // are needed only as far as the state's reach (it may be far longer).
  if (reference) reference->read(at, std::min(reference->size(), state->size()) - at, rb);
  JournalParse parse;
  std::vector<JournalFinding> findings =
      judge_journal_from(*format_, from.at, sb, completed ? std::optional<std::string_view>(cb) : std::nullopt,
                         reference ? std::optional<std::string_view>(rb) : std::nullopt, &parse,
                         reference ? &main : nullptr);
  // The oracle asks for the state's view next: it is in this parse.
  if (!views_.count(state_hash)) views_.emplace(state_hash, main.view_after(from, sb, parse));
  return findings;
}

}  // namespace

std::unique_ptr<Checker> make_journal_checker(std::string_view format, std::string glob, bool resume) {
  auto f = make_journal_format(format);
  if (!f) return nullptr;
  return make_journal_checker(std::move(f), std::move(glob), resume);
}

std::unique_ptr<Checker> make_journal_checker(std::unique_ptr<JournalFormat> format, std::string glob, bool resume) {
  return std::make_unique<OracleChecker>(std::make_unique<JournalReader>(std::move(format), std::move(glob), resume));
}

}  // namespace crashfs
