// The pyc checker on in-memory crash states: which pycs are fine (absent,
// stale, rejected, complete) and which are violations (a header the reader
// accepts over a body that does not load; a loading body with bytes the
// writer never completed), what the violations say, and verdict caching.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "checkers/pyc_checker.h"
#include "core/memory_state.h"

#include "tests/unit/pyc_fixtures.h"

using namespace crashfs;

namespace {

std::string slurp(const std::string& name) { return test::read_pyc_fixture(name); }

class History : public VersionHistory {
 public:
  void complete(std::string path, const std::string& content) { versions_.insert({std::move(path), hash_bytes(content)}); }
  bool was_complete(std::string_view path, const ContentHash& hash, Seq) const override {
    return versions_.count({std::string(path), hash}) != 0;
  }

 private:
  std::set<std::pair<std::string, ContentHash>> versions_;
};

// A StateView that counts content reads, to see what the cache saves.
class CountingState : public StateView {
 public:
  explicit CountingState(const MemoryState& inner) : inner_(inner) {}
  const std::vector<FileEntry>& entries() const override { return inner_.entries(); }
  const FileEntry* find(std::string_view path) const override { return inner_.find(path); }
  std::string read(const FileEntry& entry) const override {
    ++reads[entry.path];
    return inner_.read(entry);
  }
  std::vector<Provenance> provenance(const FileEntry& entry, std::uint64_t offset, std::uint64_t length) const override {
    return inner_.provenance(entry, offset, length);
  }
  mutable std::map<std::string, int> reads;

 private:
  const MemoryState& inner_;
};

const std::string kSourcePath = "pkg/sample_modern.py";
const std::string kPycPath = "pkg/__pycache__/sample_modern.cpython-311.pyc";

// A package with sample_modern.py and, if given, its 3.11 pyc; the source's
// mtime is the one the committed pyc recorded.
struct Fixture {
  std::string source = slurp("sample_modern.py");
  std::string pyc = slurp("sample_modern.py311.pyc");
  std::int64_t source_mtime_ns = std::int64_t{read_le32(pyc, 8)} * 1'000'000'000 + 500'000'000;
  MemoryState completed;  // the crash-free run: the whole pyc
  History history;
  std::unique_ptr<Checker> checker = make_pyc_checker();

  Fixture() {
    completed.file(kSourcePath, source, source_mtime_ns).file(kPycPath, pyc).attribute(kPycPath, 42);
    history.complete(kPycPath, pyc);
  }
  MemoryState state_with(const std::string& pyc_bytes, Seq seq = 42) {
    MemoryState s;
    s.file(kSourcePath, source, source_mtime_ns).file(kPycPath, pyc_bytes).attribute(kPycPath, seq);
    return s;
  }
  std::vector<Violation> check(const StateView& state) {
    std::vector<Violation> out;
    checker->check(CheckContext{state, completed, history, 100}, out);
    return out;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(absent_and_complete_pycs_are_fine) {
  Fixture f;
  MemoryState no_pyc;
  no_pyc.file(kSourcePath, f.source, f.source_mtime_ns);
  BOOST_TEST(f.check(no_pyc).empty());
  BOOST_TEST(f.check(f.state_with(f.pyc)).empty());
}

BOOST_AUTO_TEST_CASE(a_truncated_body_under_an_accepted_header_is_a_bad_body_violation) {
  Fixture f;
  const auto out = f.check(f.state_with(f.pyc.substr(0, 4096), 7));
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  const Violation& v = out[0];
  BOOST_TEST(v.checker == "pyc");
  BOOST_TEST(v.path == kPycPath);
  BOOST_TEST(v.grade == "bad-body");
  BOOST_TEST(v.offset <= 4096u);
  BOOST_TEST(v.offset > 16u);
  BOOST_TEST(v.reason.find("EOFError: marshal data too short") != std::string::npos, v.reason);
  BOOST_TEST(v.reason.find("Python 3.11") != std::string::npos);
  BOOST_TEST(v.reason.find(kSourcePath) != std::string::npos);
  BOOST_TEST(v.ops == std::vector<Seq>{7});
}

BOOST_AUTO_TEST_CASE(zeros_after_a_block_boundary_fail_with_unknown_type_code) {
  Fixture f;
  std::string torn = f.pyc;
  std::fill(torn.begin() + 4096, torn.end(), '\0');
  const auto out = f.check(f.state_with(torn));
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].offset >= 4096u);
  BOOST_TEST(out[0].reason.find("ValueError: bad marshal data (unknown type code)") != std::string::npos, out[0].reason);
}

BOOST_AUTO_TEST_CASE(a_bare_header_fails_but_empty_zero_and_half_headers_are_recompiled) {
  Fixture f;
  const auto bare = f.check(f.state_with(f.pyc.substr(0, 16)));
  BOOST_REQUIRE_EQUAL(bare.size(), 1u);
  BOOST_TEST(bare[0].offset == 16u);
  BOOST_TEST(bare[0].reason.find("EOFError") != std::string::npos);
  BOOST_TEST(f.check(f.state_with("")).empty());
  BOOST_TEST(f.check(f.state_with(std::string(f.pyc.size(), '\0'))).empty());
  BOOST_TEST(f.check(f.state_with(f.pyc.substr(0, 8))).empty());
}

BOOST_AUTO_TEST_CASE(a_damaged_pyc_over_a_changed_source_is_stale_and_fine) {
  Fixture f;
  MemoryState newer;
  newer.file(kSourcePath, f.source, f.source_mtime_ns + 2'000'000'000).file(kPycPath, f.pyc.substr(0, 4096));
  BOOST_TEST(f.check(newer).empty());
  MemoryState resized;
  resized.file(kSourcePath, f.source + "\n", f.source_mtime_ns).file(kPycPath, f.pyc.substr(0, 4096));
  BOOST_TEST(f.check(resized).empty());
}

BOOST_AUTO_TEST_CASE(a_pycache_pyc_without_its_source_is_never_read) {
  Fixture f;
  MemoryState orphan;
  orphan.file(kPycPath, f.pyc.substr(0, 4096));
  BOOST_TEST(f.check(orphan).empty());
}

BOOST_AUTO_TEST_CASE(a_pyc_for_another_interpreter_tag_is_recompiled) {
  Fixture f;
  MemoryState s;
  s.file(kSourcePath, f.source, f.source_mtime_ns)
      .file("pkg/__pycache__/sample_modern.cpython-312.pyc", f.pyc.substr(0, 4096));
  BOOST_TEST(f.check(s).empty());
}

BOOST_AUTO_TEST_CASE(a_loading_body_the_writer_never_completed_is_silent_corruption) {
  Fixture f;
  // Change one character of a string constant: it still loads.
  std::string altered = f.pyc;
  const std::size_t at = altered.find("epsilon");
  BOOST_REQUIRE(at != std::string::npos);
  altered[at] = 'E';
  const auto out = f.check(f.state_with(altered, 9));
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].grade == "silent-corruption");
  BOOST_TEST(out[0].offset == at);
  BOOST_TEST(out[0].ops == std::vector<Seq>{9});
  BOOST_TEST(out[0].reason.find("differ from every complete version") != std::string::npos);
  // The same bytes are fine once they were a complete version of the file.
  f.history.complete(kPycPath, altered);
  BOOST_TEST(f.check(f.state_with(altered)).empty());
}

BOOST_AUTO_TEST_CASE(python2_legacy_pycs_are_read_beside_their_source) {
  Fixture f;
  const std::string source = slurp("sample_common.py");
  const std::string pyc = slurp("sample_common.py27.pyc");
  const std::int64_t mtime_ns = std::int64_t{read_le32(pyc, 4)} * 1'000'000'000;
  MemoryState s;
  s.file("sample_common.py", source, mtime_ns).file("sample_common.pyc", pyc.substr(0, 5000));
  const auto out = f.check(s);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(out[0].reason.find("Python 2.7") != std::string::npos);
  // A Python 3 pyc in the legacy location beside its source is never read.
  MemoryState py3;
  py3.file("sample_modern.py", f.source, f.source_mtime_ns).file("sample_modern.pyc", f.pyc.substr(0, 5000));
  BOOST_TEST(f.check(py3).empty());
  // Without a source, it is loaded as is: no mtime check.
  MemoryState sourceless;
  sourceless.file("sample_modern.pyc", f.pyc.substr(0, 5000));
  BOOST_TEST(f.check(sourceless).size() == 1u);
}

BOOST_AUTO_TEST_CASE(only_paths_matching_the_glob_are_checked) {
  Fixture f;
  auto other = make_pyc_checker("vendor/**/*.pyc");
  std::vector<Violation> out;
  const MemoryState s = f.state_with(f.pyc.substr(0, 4096));
  other->check(CheckContext{s, f.completed, f.history, 100}, out);
  BOOST_TEST(out.empty());
  BOOST_TEST(other->name() == "pyc");
}

BOOST_AUTO_TEST_CASE(verdicts_are_cached_per_distinct_version) {
  Fixture f;
  const MemoryState damaged = f.state_with(f.pyc.substr(0, 4096));
  CountingState first(damaged), second(damaged);
  BOOST_TEST(f.check(first).size() == 1u);
  BOOST_TEST(f.check(second).size() == 1u);
  BOOST_TEST(first.reads[kPycPath] == 1);
  BOOST_TEST(second.reads[kPycPath] == 0);  // same content, same source: cached
  // A changed source is a different key: the pyc is judged again (and is stale).
  MemoryState touched;
  touched.file(kSourcePath, f.source, f.source_mtime_ns + 5'000'000'000).file(kPycPath, f.pyc.substr(0, 4096));
  CountingState third(touched);
  BOOST_TEST(f.check(third).empty());
  BOOST_TEST(third.reads[kPycPath] == 1);
}

BOOST_AUTO_TEST_CASE(checked_hash_pycs_are_judged_against_the_source_bytes_in_the_state) {
  Fixture f;
  const std::string checked = slurp("sample_modern.py311.checked.pyc");
  MemoryState same;
  same.file(kSourcePath, f.source, 1).file(kPycPath, checked.substr(0, 4096));
  BOOST_TEST(f.check(same).size() == 1u);
  MemoryState edited;
  edited.file(kSourcePath, f.source + "# edited\n", 1).file(kPycPath, checked.substr(0, 4096));
  BOOST_TEST(f.check(edited).empty());
}
