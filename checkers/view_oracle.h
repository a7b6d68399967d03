// The one oracle (DESIGN.md, "Checker semantics"): a checker built from a
// ViewReader, which says what a reader of the program's files recovers
// from a state, judged against what the crash-free run passed through and
// what the program acknowledged.
//
// A ViewReader splits a state into units (a journal file, a database with
// its -journal/-wal, the whole tree for a dump command) and, per unit:
//   recover()    the VIEW: a canonical digest of what a reader recovers
//                (journal: the entries it reads; atomic: the bytes; sqlite:
//                schema and rows after SQLite's own recovery; pyc: "no
//                cache" or the code it loads; dump: the command's stdout).
//                An absent unit, or one the reader ignores and rebuilds,
//                has the view kAbsentView.  Pure in the state's unit: the
//                reader caches it by content.
//   integrity()  what the reader rejects or is misled by, as violations
//                with the reader's own grades (mid-file-damage, bad-body,
//                corrupt-database, command-failed, ...).
//
// For a state judged at moment M of the run's history H (check_context.h),
// with H_u(m) the view of unit u in the run's state at moment m:
//   integrity     integrity() finds nothing (if it does, those violations
//                 are the verdict for u and the history rule is not
//                 applied; nor is durability, unless the reader recovers a
//                 view despite damage, as journal readers do);
//   history       view(u) == H_u(m) for some m <= M: a state the crash-free
//                 run passed through.  Otherwise "inconsistent-recovery";
//   durability    with A the latest acknowledgement at a moment <= M (a
//                 matching output line or mark, or, for file-scoped readers,
//                 a completed fsync/fdatasync or O_SYNC write of u's file at
//                 that path): view(u) == H_u(m) for some A <= m <= M.  A view
//                 seen only before A is OLDER than what was acknowledged:
//                 "lost-acked", naming the acknowledgement.
// "Older" is by position in the history, not by content: views repeat (a
// file rewritten to an earlier content), and a view is not older as long
// as the run showed it at some moment at or after the acknowledgement.
//
// Units judged: those of the state and those of the crash-free state at
// the same crash point (a unit that vanished is judged absent).
//
// Cost: H is computed once per checker and history, walking the run's
// moments in order and asking recover() for each unit at each moment, so it
// costs one view per distinct unit content of the crash-free run (the
// reader's cache); queries are O(log) in the history's length.  Not
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checkers/checker.h"

namespace crashfs {

inline constexpr ContentHash kAbsentView{};

struct Recovered {
  ContentHash view = kAbsentView;
  std::string summary;  // "4 entries", "2 tables, 7 rows", "absent": for messages
};

class ViewReader {
 public:
  virtual ~ViewReader() = default;
  // Spec-style name, e.g. "journal:u32le".
  virtual std::string name() const = 0;
  // What it reads, for messages: "files matching **/*.log".
  virtual std::string scope() const = 0;
  // Appends the units of `state` (sorted, no duplicates within one call).
  virtual void units(const StateView& state, std::vector<std::string>& out) = 0;
  // The view of `unit` in `state` (kAbsentView when it is not there).
  // `state_id` names the state for readers that pass it on (dump:).
  virtual Recovered recover(const StateView& state, std::string_view state_id, const std::string& unit) = 0;
  // Appends what the reader rejects or is misled by in ctx.state's `unit`.
  virtual void integrity(const CheckContext& ctx, const std::string& unit, std::vector<Violation>& out) = 0;
  // False when the reader never reads the file at `path` (Checker::reads).
  virtual bool reads(const std::string& path) { (void)path; return true; }
  // True when a unit is one file, so an fsync of it acknowledges it.
  virtual bool file_scoped() const = 0;
  // True when the reader still recovers a view from a unit it reports
  // damage in (a journal reader truncates or skips and goes on): the
  // durability rule then applies to it too.  False (the default) when
  // damage means it recovers nothing comparable (a database that does not
  // open, a body that does not load, a command that fails).
  virtual bool recovers_despite_damage() const { return false; }
};

class OracleChecker : public Checker {
 public:
  explicit OracleChecker(std::unique_ptr<ViewReader> reader);
  std::string name() const override { return reader_->name(); }
  std::string scope() const override { return reader_->scope(); }
  std::optional<std::uint64_t> units_judged() const override { return units_judged_; }
  bool reads(const std::string& path) override { return reader_->reads(path); }
  void check(const CheckContext& ctx, std::vector<Violation>& out) override;

  ViewReader& reader() { return *reader_; }

 private:
  // H_u: for each view the moments [start, end) it held, in order.
  struct UnitHistory {
    ContentHash current = kAbsentView;
    std::unordered_map<ContentHash, std::vector<std::pair<std::size_t, std::size_t>>, ContentHashHasher> spans;
    std::vector<std::pair<std::size_t, ContentHash>> changes;  // (moment, view from then on)
    std::unordered_map<ContentHash, std::string, ContentHashHasher> summaries;
  };
  void extend_history(const RunHistory& history, std::size_t upto);
  void set_view(UnitHistory& h, std::size_t moment, const Recovered& r);
  // True if H_u(m) == view for some m in [lo, hi].
  bool seen(const std::string& unit, const ContentHash& view, std::size_t lo, std::size_t hi) const;
  // The summary of H_u(moment).
  std::string summary_at(const std::string& unit, std::size_t moment) const;

  std::unique_ptr<ViewReader> reader_;
  std::uint64_t units_judged_ = 0;
  const RunHistory* history_ = nullptr;  // the history hist_ was computed from
  std::size_t computed_ = 0;             // moments [0, computed_) are in hist_
  std::map<std::string, UnitHistory, std::less<>> hist_;
};

// Views are digests; readers build them with this (length-prefixed parts,
// so ("ab", "c") and ("a", "bc") differ).
class ViewDigest {
 public:
  ViewDigest& add(std::string_view part);
  ViewDigest& add(std::uint64_t number);
  ContentHash finish() const;

 private:
  ContentHasher hasher_;
};

}  // namespace crashfs
