// Incremental checking (issue 15): what is resumed from an earlier version
// equals what is computed from scratch.
//   - Rope::common_prefix equals the common prefix of the bytes, for
//     versions that share structure and for unrelated ones;
//   - every file's content hash in every crash state equals XXH3 of its
//     bytes (hashes resume from the version a file was edited from);
//   - the journal checker, resuming from checkpoints across states, reports
//     exactly what a new checker reports for each state alone: for u32le
//     (a new checker per re-explored state) and for every format (a new
//     non-resuming checker per state, process-kill and posix);
//   - the cost is incremental: over a process-kill pass of an appended
//     journal, every format parses fewer than 3x the file's final size in
//     all (a non-resuming checker parses the file once per state).
#include <boost/test/unit_test.hpp>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "analysis/check_runner.h"
#include "checkers/journal_checker.h"
#include "checkers/journal_format.h"
#include "core/base_content.h"
#include "core/content_hash.h"
#include "core/rope.h"
#include "core/trace_builder.h"
#include "journal_test_encoders.h"
#include "core/trace_history.h"

using namespace crashfs;
using crashfs::testing::writer_for;

namespace {

struct NoBase : BaseResolver {
  std::string_view base_bytes(NodeId) const override { return {}; }
};

std::uint64_t naive_prefix(const std::string& a, const std::string& b) {
  std::uint64_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}


// A u32le journal entry (journal_test_encoders.h writes the length).
std::string u32le(const std::string& payload) {
  std::string out;
  testing::put32le(out, static_cast<std::uint32_t>(payload.size()));
  return out + payload;
}

// A journal appended in two writes per entry, synced now and then, with a
// rewrite in the middle (mid-file damage in some states), a zero
// placeholder patched later, and a truncation.
TraceBuilder journal_trace() {
  TraceBuilder b;
  b.create("j.log");
  std::string file;
  auto append = [&](const std::string& bytes) {
    b.append("j.log", bytes);
    file += bytes;
  };
  for (int i = 0; i < 14; ++i) {
    const std::string entry = u32le(std::string(300 + 97 * i, static_cast<char>('a' + i)));
    append(entry.substr(0, 4));
    append(entry.substr(4));
    if (i % 4 == 3) b.fdatasync("j.log");
  }
  // A placeholder length, the payload, then the real length patched in.
  const std::uint64_t at = file.size();
  append(std::string(4, '\0'));
  append(std::string(700, 'p'));
  b.write("j.log", at, u32le(std::string(700, 'p')).substr(0, 4));
  // Garbage over an entry in the middle, then more entries.
  b.write("j.log", 1200, std::string(40, '\x7f'));
  for (int i = 0; i < 3; ++i) b.append("j.log", u32le(std::string(500, 'z')));
  b.fdatasync("j.log");
  b.truncate("j.log", 3000);
  b.append("j.log", u32le("after truncation"));
  b.release("j.log");
  return b;
}

std::string describe(const std::vector<Violation>& vs) {
  std::string out;
  for (const Violation& v : vs) {
    out += v.checker + "|" + v.path + "|" + std::to_string(v.offset) + "|" + v.grade + "|" + v.reason + "|";
    for (Seq s : v.ops) out += std::to_string(s) + ",";
    out += "\n";
  }
  return out;
}

// A journal "j.log" that a TraceBuilder writes, and a mirror of its bytes
// (entries of some formats depend on the offset they are appended at).
struct JournalScript {
  TraceBuilder b;
  std::string file;
  std::vector<std::uint64_t> offsets;  // where each data entry was appended

  JournalScript() { b.create("j.log"); }
  // In `pieces` writes: a process kill can end the file inside `bytes`.
  void append(std::string_view bytes, std::size_t pieces = 1) {
    std::size_t done = 0;
    for (std::size_t k = 1; k <= pieces; ++k) {
      const std::size_t end = bytes.size() * k / pieces;
      if (end > done) b.append("j.log", bytes.substr(done, end - done));
      done = end;
    }
    file += bytes;
  }
  void entry(std::string_view bytes) {
    offsets.push_back(file.size());
    append(bytes, 2);
  }
  void write(std::uint64_t at, std::string_view bytes) {
    b.write("j.log", at, bytes);
    if (file.size() < at + bytes.size()) file.resize(at + bytes.size(), '\0');
    file.replace(at, bytes.size(), bytes);
  }
  void truncate(std::uint64_t size) {
    b.truncate("j.log", size);
    file.resize(size, '\0');
  }
};

// A journal of `w`'s format through every kind of change the checker must
// resume over: entries appended in two writes (torn in process-kill
// states), synced every 4th; LevelDB records that end 3 bytes before a
// block's end (a trailer) and that cross blocks; a zero placeholder
// patched in later; for Shake, a record the reader cannot decode, at the
// tail (full rebuild) then in the middle (reset), then cut off again, and
// a record patched after such a record, in a synced version;
// for Ninja's deps log, a path recorded twice, then cut off;
// garbage over an early entry, repaired after more entries; a truncation
// inside an entry followed by entries (damage in the middle), then one to
// an entry boundary followed by a different entry (the line forks there;
// for Ninja's deps log, a different path under the same id).
TraceBuilder format_trace(const testing::TestWriter& w) {
  JournalScript j;
  const std::string format = w.format();
  auto entry = [&](std::size_t i) { return w.entry(i, j.file.size()); };
  j.append(w.header(), 2);
  for (std::size_t i = 0; i < 10; ++i) {
    if (format == "leveldb" && (i == 4 || i == 8)) {
      const std::uint64_t at = j.file.size();
      const std::uint64_t size = i == 4 ? 32768 - 3 - at - 7 : 33000;
      j.entry(testing::LevelDbWriter::record(std::string(size, static_cast<char>('K' + i)), at));
    } else {
      j.entry(entry(i));
    }
    if (i % 4 == 3) j.b.fdatasync("j.log");
  }
  const std::string placeholder = entry(10);
  const std::uint64_t at = j.file.size();
  j.offsets.push_back(at);
  j.append(std::string(4, '\0') + placeholder.substr(4));
  j.write(at, placeholder.substr(0, 4));
  if (format == "shake") {
    const std::uint64_t before = j.file.size();
    j.append(testing::ShakeWriter::record(7, 7, testing::payload(99)), 2);  // witness 7 of 2
    j.entry(entry(11));
    j.truncate(before);
    // A record whose value is patched in after a bad record: the complete
    // version has it patched but resets, so the unpatched one read before
    // it is no finding (the reference's entries are all discarded).
    const std::string whole = entry(11);
    const std::size_t value = w.payload_offset(11, before);
    std::string unpatched = whole;
    std::fill(unpatched.begin() + value, unpatched.end(), '\0');
    j.append(unpatched);
    j.append(testing::ShakeWriter::record(7, 7, testing::payload(98)));
    j.write(before + value, whole.substr(value));
    j.b.fdatasync("j.log");
    j.entry(entry(12));
    j.truncate(before);
  }
  const std::uint64_t garbage_at = j.offsets[2] + 1;
  const std::string saved = j.file.substr(garbage_at, 12);
  j.write(garbage_at, std::string(12, '\x7f'));
  j.entry(entry(12));
  j.b.fdatasync("j.log");  // a complete version with damage in the middle
  j.write(garbage_at, saved);
  j.entry(entry(13));
  if (format == "ninja-deps") {
    // Entry 0's path again, under the next id (7): "path recorded twice".
    const std::uint64_t before = j.file.size();
    j.append(testing::NinjaDepsWriter::path_record("src/dir0/header0.h", 7), 2);
    j.entry(entry(14));
    j.truncate(before);
  }
  j.b.fdatasync("j.log");
  j.truncate(j.offsets[9] + 3);
  j.entry(entry(14));
  j.truncate(j.offsets[6]);
  if (format == "ninja-deps")
    j.entry(testing::NinjaDepsWriter::path_record("src/forked.h", 3));  // entry 6 was node 3's path
  else
    j.entry(entry(20));
  j.entry(entry(7));
  j.b.release("j.log");
  return j.b;
}

// A format that counts the bytes it is given to parse.
class CountingFormat : public JournalFormat {
 public:
  CountingFormat(std::unique_ptr<JournalFormat> inner, std::uint64_t& parsed) : inner_(std::move(inner)), parsed_(parsed) {}
  std::string name() const override { return inner_->name(); }
  bool detects_torn_payload() const override { return inner_->detects_torn_payload(); }
  std::size_t header_entries() const override { return inner_->header_entries(); }
  JournalParse parse_from(const ReaderCheckpoint& from, std::string_view tail,
                          std::vector<ReaderCheckpoint>* checkpoints) const override {
    parsed_ += tail.size();
    return inner_->parse_from(from, tail, checkpoints);
  }

 private:
  std::unique_ptr<JournalFormat> inner_;
  std::uint64_t& parsed_;
};

// Bytes parsed by a (resuming or not) checker over a process-kill pass.
std::uint64_t bytes_parsed_over_a_process_kill_pass(const std::string& format, const TraceBuilder& b, bool resume) {
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  Explorer explorer(trace, &base);
  TraceHistory history(explorer, {});
  std::uint64_t parsed = 0;
  auto checker = make_journal_checker(std::make_unique<CountingFormat>(make_journal_format(format), parsed), "j.log", resume);
  ExploreOptions options;
  options.models = {ModelKind::kProcessKill};
  std::vector<Violation> found;
  explorer.explore(options, [&](const ExploredState& state) {
    CheckContext ctx = state.context();
    ctx.history = &history;
    ctx.moment = state.point() + 1;
    checker->check(ctx, found);
  });
  BOOST_TEST(found.empty());
  return parsed;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rope_common_prefix_equals_the_common_prefix_of_the_bytes) {
  std::mt19937 rng(7);
  NoBase base;
  std::vector<std::string> pool;  // trace bytes the extents point into
  pool.reserve(4000);
  std::vector<Rope> versions{Rope{}};
  for (int step = 0; step < 400; ++step) {
    Rope r = versions[rng() % versions.size()];
    const int kind = static_cast<int>(rng() % 6);
    pool.push_back(std::string(1 + rng() % 50, static_cast<char>('a' + rng() % 3)));
    const std::string& data = pool.back();
    if (kind <= 2 || r.size() == 0) r.write(r.size(), Extent::trace(data, step));        // append
    else if (kind == 3) r.write(rng() % r.size(), Extent::trace(data, step));            // overwrite
    else if (kind == 4) r.resize(rng() % (r.size() + 1), step);                          // truncate
    else r.write(r.size() + rng() % 20, Extent::zeros(1 + rng() % 30, step));            // a hole, then zeros
    versions.push_back(r);
  }
  for (std::size_t i = 0; i < versions.size(); i += 7) {
    const std::string a = versions[i].read_all(base);
    for (std::size_t j = 0; j < versions.size(); j += 5) {
      const std::string b = versions[j].read_all(base);
      BOOST_TEST_REQUIRE(versions[i].common_prefix(versions[j], base) == naive_prefix(a, b), "versions " << i << ", " << j);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_content_hash_of_every_crash_state_is_the_hash_of_its_bytes) {
  const TraceBuilder b = journal_trace();
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  Explorer explorer(trace, &base);
  ExploreOptions options;
  options.models = {ModelKind::kProcessKill, ModelKind::kPosix};
  options.sector = 512;
  std::size_t files = 0;
  explorer.explore(options, [&](const ExploredState& state) {
    for (const FileEntry& e : state.state()->entries()) {
      if (e.kind != NodeKind::kFile) continue;
      ++files;
      BOOST_TEST_REQUIRE((e.hash == hash_bytes(state.state()->read(e))), state.id());
    }
  });
  BOOST_TEST(files > 100u);
}

BOOST_AUTO_TEST_CASE(a_resuming_journal_checker_reports_what_a_new_one_reports_for_each_state) {
  const TraceBuilder b = journal_trace();
  const Trace trace = b.build();
  MemoryBaseContent base = b.base();
  Explorer explorer(trace, &base);
  TraceHistory history(explorer, {});
  auto shared = make_journal_checker("u32le", "j.log");
  ExploreOptions options;
  options.models = {ModelKind::kProcessKill, ModelKind::kPosix};
  options.sector = 512;
  std::vector<std::pair<StateSpec, std::string>> seen;
  std::size_t violating = 0;
  CheckOptions check;
  check.explore = options;
  check.history = &history;
  // The shared checker sees every state in exploration order (resuming).
  std::vector<Violation> found;
  explorer.explore(options, [&](const ExploredState& state) {
    CheckContext ctx = state.context();
    ctx.history = &history;
    ctx.moment = state.point() + 1;
    found.clear();
    shared->check(ctx, found);
    violating += found.empty() ? 0 : 1;
    seen.emplace_back(state.spec(), describe(found));
  });
  BOOST_TEST(seen.size() > 100u);
  BOOST_TEST(violating > 10u);
  // A checker that parses and judges every version whole, per state.
  for (const auto& [spec, expected] : seen) {
    auto fresh = make_journal_checker("u32le", "j.log", false);
    std::vector<Checker*> one{fresh.get()};
    std::vector<Violation> alone;
    BOOST_TEST_REQUIRE(check_state(explorer, spec, one, &history, alone).is_ok());
    BOOST_TEST_REQUIRE(describe(alone) == expected, spec.id());
  }
}

BOOST_AUTO_TEST_CASE(every_format_resumed_reports_what_a_new_whole_file_checker_reports_state_by_state) {
  for (const std::string& name : journal_format_names()) {
    BOOST_TEST_CONTEXT(name) {
      const auto writer = writer_for(name);
      BOOST_REQUIRE(writer);
      const TraceBuilder b = format_trace(*writer);
      const Trace trace = b.build();
      MemoryBaseContent base = b.base();
      Explorer explorer(trace, &base);
      TraceHistory history(explorer, {});
      auto shared = make_journal_checker(name, "j.log");
      ExploreOptions options;
      options.models = {ModelKind::kProcessKill, ModelKind::kPosix};
      // LevelDB's file is three blocks: coarser tears keep the states few.
      options.sector = name == "leveldb" ? 4096 : 512;
      std::size_t states = 0, violating = 0;
      std::vector<Violation> resumed, whole;
      std::map<std::string, std::size_t> grades;
      explorer.explore(options, [&](const ExploredState& state) {
        CheckContext ctx = state.context();
        ctx.history = &history;
        ctx.moment = state.point() + 1;
        resumed.clear();
        whole.clear();
        shared->check(ctx, resumed);
        make_journal_checker(name, "j.log", false)->check(ctx, whole);
        ++states;
        violating += resumed.empty() ? 0 : 1;
        for (const Violation& v : resumed) grades[v.grade + (v.reason.find("full rebuild") != std::string::npos ? " (full rebuild)" : "")]++;
        BOOST_TEST_REQUIRE(describe(resumed) == describe(whole), state.id() << ": " << state.description());
      });
      std::string tally;
      for (const auto& [grade, n] : grades) tally += " " + grade + " " + std::to_string(n) + ";";
      BOOST_TEST_MESSAGE(name << ": " << states << " states, " << violating << " with violations:" << tally);
      BOOST_TEST(states > 100u);
      BOOST_TEST(violating > 10u);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_process_kill_pass_parses_a_journal_of_every_format_about_once_not_once_per_state) {
  // Entries appended in two writes each and never synced, the file closed
  // at the end (Shake's and Ninja's way): every state's reference, the
  // writer's next complete version, is the final file.
  constexpr std::size_t kEntries = 300;
  for (const std::string& name : journal_format_names()) {
    BOOST_TEST_CONTEXT(name) {
      const auto writer = writer_for(name);
      JournalScript j;
      j.append(writer->header(), 2);
      for (std::size_t i = 0; i < kEntries; ++i) j.entry(writer->entry(i, j.file.size()));
      j.b.release("j.log");
      const double size = static_cast<double>(j.file.size());
      const double resumed = static_cast<double>(bytes_parsed_over_a_process_kill_pass(name, j.b, true));
      const double whole = static_cast<double>(bytes_parsed_over_a_process_kill_pass(name, j.b, false));
      BOOST_TEST_MESSAGE(name << ": " << j.file.size() << " bytes; parsed " << resumed / size << "x resuming, " << whole / size
                              << "x whole");
      BOOST_TEST(resumed < 3 * size);
      BOOST_TEST(whole > kEntries * size / 2);  // what the count would be if each state were read whole
    }
  }
}
