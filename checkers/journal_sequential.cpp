#include "checkers/journal_sequential.h"

#include <vector>

namespace crashfs {

Resync find_resync(std::string_view file, std::uint64_t from, const SequentialReader& reader) {
  const std::uint64_t n = file.size();
  if (from + 1 >= n) return {};
  // Backward dynamic programme over offsets: chain[q] says whether loose
  // frames from q reach the end, how many entries they hold, whether one
  // is not all zeros and whether the chain ends exactly at EOF.  O(bytes).
  // Memory is linear in the bytes after `from` only: torn tails are short.
  const std::uint64_t base = from + 1;
  // Reused between calls (a check parses the torn tail of every state).
  static thread_local std::vector<std::uint64_t> nonzero_before;
  nonzero_before.assign(n - base + 1, 0);
  for (std::uint64_t i = base; i < n; ++i)
    nonzero_before[i - base + 1] = nonzero_before[i - base] + (file[i] != 0 ? 1 : 0);
  auto all_zero = [&](std::uint64_t a, std::uint64_t b) { return nonzero_before[b - base] == nonzero_before[a - base]; };

  struct Chain {
    bool ok = false;
    bool exact = false;
    bool nonblank = false;
    std::uint32_t entries = 0;
  };
  static thread_local std::vector<Chain> chain;
  chain.assign(n - base + 1, Chain{});
  auto at = [&](std::uint64_t q) -> Chain& { return chain[q - base]; };
  at(n) = Chain{true, true, false, 0};
  for (std::uint64_t q = n; q-- > base;) {
    Chain c;
    if (all_zero(q, n)) {
      c.ok = true;  // a zero-filled end: the writer's region that never arrived
    } else {
      const Frame f = reader.loose_frame(file, q);
      if (f.kind == Frame::Kind::kShort || (f.kind == Frame::Kind::kInvalid && q + f.size >= n)) {
        c.ok = true;
      } else if (f.kind == Frame::Kind::kEntry && f.size > 0 && q + f.size <= n) {
        const Chain& next = at(q + f.size);
        if (next.ok) {
          c.ok = true;
          c.exact = next.exact;
          c.entries = next.entries + 1;
          c.nonblank = next.nonblank || !all_zero(q, q + f.size);
        }
      }
    }
    at(q) = c;
  }
  for (std::uint64_t p = base; p < n; ++p) {
    const Chain& c = at(p);
    if (!c.ok || !c.nonblank) continue;
    if (c.entries >= 2 || (c.entries == 1 && c.exact)) return {p, c.entries};
  }
  return {};
}

JournalParse parse_sequential(const ReaderCheckpoint& from, std::string_view file, SequentialReader& reader,
                              const SequentialResponses& responses, std::vector<ReaderCheckpoint>* checkpoints) {
  JournalParse out;
  const std::uint64_t n = file.size();
  std::uint64_t offset = 0;
  while (offset < n) {
    Frame f = reader.next(file, offset);
    if (f.kind == Frame::Kind::kEntry && f.size > 0 && offset + f.size <= n) {
      out.entries.push_back(JournalEntry{offset, f.size, std::move(f.suspect)});
      if (checkpoints) checkpoints->push_back(checkpoint_after(from, out.entries, reader.state()));
      offset += f.size;
      continue;
    }
    JournalDamage d;
    d.offset = offset;
    d.length = n - offset;
    d.entry_index = out.entries.size();
    d.what = f.what.empty() ? std::string("unreadable entry") : f.what;
    const Resync r = find_resync(file, offset, reader);
    d.at_tail = r.entries == 0;
    d.hidden_entries = r.entries;
    d.resume_offset = r.offset;
    const bool is_short = f.kind != Frame::Kind::kInvalid;
    d.short_frame = is_short;
    if (d.at_tail) {
      d.response = is_short ? ReaderResponse::kTrim : responses.invalid_tail;
    } else {
      d.response = is_short ? responses.short_mid : responses.invalid_mid;
    }
    if (d.response == ReaderResponse::kReset) out.entries.clear();
    out.damage.push_back(std::move(d));
    break;
  }
  return out;
}

}  // namespace crashfs
