// validate_pyc() agrees with the reference validator (pycheck.py) on real
// pycs of Python 2.7, 3.6, 3.8, 3.11, 3.12 and 3.13 damaged every way a
// crash damages them: every truncation length, zeros from every 512-byte
// boundary to the end, one zeroed 512-byte block at every boundary, and 200
// seeded byte flips per pyc.
//
// Why precomputed verdicts: the oracle is Python, and unit tests must run
// without interpreters, in seconds.  tests/data/pyc/generate.py compiled the
// pycs with the real interpreters once and wrote the oracle's verdict of
// every case to expected_verdicts.txt (format documented there).  The live
// comparison with the interpreters themselves is the integration test
// tests/unmounted/pyc_interpreter_agreement_test.cpp.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "checkers/pyc_validate.h"

#include "tests/unit/pyc_fixtures.h"

using namespace crashfs;

namespace {

const std::string& kDataDir = crashfs::test::kPycDataDir;

struct Corpus {
  std::string name;
  std::string pyc;
  std::string source;
  SourceInfo info;  // the source as it was when the pyc was written
};

// The source the pyc was compiled from, as its header recorded it.
Corpus load_corpus(const std::string& name) {
  Corpus c;
  c.name = name;
  c.pyc = crashfs::test::read_pyc_fixture(name);
  c.source = crashfs::test::read_pyc_fixture(name.substr(0, name.find('.')) + ".py");
  const PythonRelease* release = find_release_by_magic(read_le16(c.pyc, 0));
  BOOST_REQUIRE_MESSAGE(release, name << ": unknown magic");
  const std::size_t mtime_at = release->has_flags() ? 8 : 4;
  c.info.mtime_ns = std::int64_t{read_le32(c.pyc, mtime_at)} * 1'000'000'000;
  c.info.size = release->has_source_size() ? read_le32(c.pyc, mtime_at + 4) : c.source.size();
  c.info.bytes = c.source;
  return c;
}

// The oracle's outcome letter for a C++ verdict: R, F, K or W.
char outcome_code(const PycVerdict& v) {
  switch (v.outcome()) {
    case PycOutcome::kRegenerated: return 'R';
    case PycOutcome::kImportFails: return 'F';
    case PycOutcome::kLoads: return v.body.trailing ? 'W' : 'K';
  }
  return '?';
}

struct Tally {
  std::size_t cases = 0;
  std::size_t mismatches = 0;
  std::map<char, std::size_t> by_outcome;
};

void expect(Tally& tally, const Corpus& c, const std::string& what, std::string_view damaged, char outcome,
            const std::string& exc, long offset) {
  const PycVerdict v = validate_pyc(damaged, c.info);
  ++tally.cases;
  ++tally.by_outcome[outcome];
  bool same = outcome_code(v) == outcome;
  if (same && outcome == 'F') {
    same = v.body.error->exception == exc;
    if (offset >= 0) same = same && static_cast<long>(v.body.error->offset) == offset;
  }
  if (!same && ++tally.mismatches <= 20)
    BOOST_ERROR(c.name << " " << what << ": oracle says " << outcome << " " << exc << " @" << offset
                       << ", C++ says " << outcome_code(v) << ": " << v.describe());
}

}  // namespace

BOOST_AUTO_TEST_CASE(cpp_verdicts_equal_the_oracle_on_every_damaged_real_pyc) {
  std::ifstream in(kDataDir + "expected_verdicts.txt");
  BOOST_REQUIRE_MESSAGE(in, "missing tests/data/pyc/expected_verdicts.txt (run tests/data/pyc/generate.py)");
  std::map<int, Corpus> corpus;
  Tally tally;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    char record = 0;
    int id = -1;
    fields >> record >> id;
    if (record == 'P') {
      std::string name;
      fields >> name;
      corpus[id] = load_corpus(name);
      continue;
    }
    BOOST_REQUIRE_MESSAGE(corpus.count(id), "expected_verdicts.txt: unknown pyc id in: " << line);
    const Corpus& c = corpus[id];
    const std::string& pyc = c.pyc;
    std::string exc;
    char outcome = 0;
    long a = 0, b = 0, offset = -1;
    switch (record) {
      case 'O':
        fields >> outcome >> exc >> offset;
        expect(tally, c, "as compiled", pyc, outcome, exc, offset);
        break;
      case 'T':
        fields >> a >> b >> outcome >> exc;
        for (long cut = a; cut <= b; ++cut)
          expect(tally, c, "truncated to " + std::to_string(cut), std::string_view(pyc).substr(0, cut), outcome, exc, -1);
        break;
      case 'Z': {
        fields >> a >> outcome >> exc >> offset;
        std::string damaged = pyc;
        std::fill(damaged.begin() + a, damaged.end(), '\0');
        expect(tally, c, "zeroed from " + std::to_string(a), damaged, outcome, exc, offset);
        break;
      }
      case 'B': {
        fields >> a >> outcome >> exc >> offset;
        std::string damaged = pyc;
        std::fill(damaged.begin() + a, damaged.begin() + std::min<long>(a + 512, damaged.size()), '\0');
        expect(tally, c, "512 zeros at " + std::to_string(a), damaged, outcome, exc, offset);
        break;
      }
      case 'F': {
        fields >> a >> b >> outcome >> exc >> offset;
        std::string damaged = pyc;
        damaged[a] = static_cast<char>(damaged[a] ^ b);
        expect(tally, c, "byte " + std::to_string(a) + " xor " + std::to_string(b), damaged, outcome, exc, offset);
        break;
      }
      default: BOOST_FAIL("expected_verdicts.txt: unknown record in: " << line);
    }
    BOOST_REQUIRE_MESSAGE(!fields.fail(), "expected_verdicts.txt: malformed line: " << line);
  }
  BOOST_TEST_MESSAGE(tally.cases << " cases, " << tally.mismatches << " mismatches");
  BOOST_TEST(corpus.size() == 14u);
  BOOST_TEST(tally.cases > 90000u);
  // Every outcome is represented, so a validator stuck on one answer fails.
  for (const char outcome : {'R', 'F', 'K'}) BOOST_TEST(tally.by_outcome[outcome] > 10u);
  BOOST_TEST(tally.mismatches == 0u);
}
