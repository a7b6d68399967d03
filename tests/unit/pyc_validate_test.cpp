// validate_pyc(): header acceptance per interpreter generation (magic,
// length, flags, mtime/size, source hashes) and the body verdict, on the
// real pycs of tests/data/pyc.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "checkers/pyc_source_hash.h"
#include "checkers/pyc_validate.h"

#include "tests/unit/pyc_fixtures.h"

using namespace crashfs;

namespace {

std::string slurp(const std::string& name) { return test::read_pyc_fixture(name); }

// The source as it was when `pyc` was written (its header's mtime and size).
SourceInfo matching_source(const std::string& pyc, std::size_t source_size) {
  const PythonRelease* release = find_release_by_magic(read_le16(pyc, 0));
  BOOST_REQUIRE(release);
  const std::size_t at = release->has_flags() ? 8 : 4;
  return SourceInfo{std::int64_t{read_le32(pyc, at)} * 1'000'000'000 + 123, source_size, std::nullopt};
}

void set_le32(std::string& bytes, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) bytes[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_committed_pyc_is_accepted_and_loads) {
  for (const char* name : {"sample_common.py27.pyc", "sample_common.py36.pyc", "sample_common.py38.pyc",
                           "sample_common.py311.pyc", "sample_common.py312.pyc", "sample_common.py313.pyc"}) {
    const std::string pyc = slurp(name);
    const PycVerdict v = validate_pyc(pyc, matching_source(pyc, slurp("sample_common.py").size()));
    BOOST_TEST(v.header.accepted, name << ": " << v.describe());
    BOOST_TEST((v.outcome() == PycOutcome::kLoads), name << ": " << v.describe());
    BOOST_TEST(v.body.consumed == pyc.size());
    BOOST_TEST(v.body.trailing == 0u);
  }
}

BOOST_AUTO_TEST_CASE(python_3_11_truncations_and_zero_tails_fail_as_measured_in_formats_md) {
  // FORMATS.md, measured with 3.11: truncated to 0-15 bytes -> recompile;
  // 16..n-1 -> EOFError; zeros from offset 0-13 -> recompile; zeros from 14
  // on -> ValueError: bad marshal data (unknown type code).
  const std::string pyc = slurp("sample_modern.py311.pyc");
  const SourceInfo source = matching_source(pyc, slurp("sample_modern.py").size());
  for (std::size_t cut = 0; cut < pyc.size(); ++cut) {
    const PycVerdict v = validate_pyc(std::string_view(pyc).substr(0, cut), source);
    if (cut < 16) {
      BOOST_TEST((v.outcome() == PycOutcome::kRegenerated), cut);
    } else {
      BOOST_REQUIRE((v.outcome() == PycOutcome::kImportFails));
      BOOST_TEST(v.body.error->exception == "EOFError", cut);
      BOOST_TEST(v.body.error->offset <= cut);
    }
  }
  for (std::size_t from = 0; from < 64; ++from) {
    std::string damaged = pyc;
    std::fill(damaged.begin() + static_cast<std::ptrdiff_t>(from), damaged.end(), '\0');
    const PycVerdict v = validate_pyc(damaged, source);
    if (from < 14) {
      BOOST_TEST((v.outcome() == PycOutcome::kRegenerated), from << ": " << v.describe());
    } else {
      BOOST_REQUIRE((v.outcome() == PycOutcome::kImportFails));
      BOOST_TEST(v.body.error->message == "bad marshal data (unknown type code)");
      // Zeros inside a payload are data: the reader fails at the next type byte.
      BOOST_TEST(v.body.error->offset >= std::max<std::size_t>(from, 16));
      if (from <= 16) BOOST_TEST(v.body.error->offset == 16u);
      BOOST_TEST(v.describe().find("ValueError: bad marshal data (unknown type code) at offset") == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_header_the_reader_does_not_recognize_is_rejected) {
  const std::string pyc = slurp("sample_modern.py311.pyc");
  const SourceInfo source = matching_source(pyc, slurp("sample_modern.py").size());
  BOOST_TEST(!validate_pyc("\xa7\r\r", source).header.accepted);
  std::string bad_crlf = pyc;
  bad_crlf[3] = 'x';
  BOOST_TEST(validate_pyc(bad_crlf, source).header.reason.find("bad magic") != std::string::npos);
  std::string unknown = pyc;
  unknown[0] = 1;
  BOOST_TEST(validate_pyc(unknown, source).header.reason.find("unknown magic") != std::string::npos);
  std::string flags = pyc;
  set_le32(flags, 4, 4);
  BOOST_TEST(validate_pyc(flags, source).header.reason.find("invalid flags") != std::string::npos);
  // Read by 3.12 (a cpython-312 name), a 3.11 pyc is recompiled.
  const PycVerdict other = validate_pyc(pyc, source, find_release_by_cache_tag("cpython-312"));
  BOOST_TEST(!other.header.accepted);
  BOOST_TEST(other.header.reason.find("Python 3.11") != std::string::npos);
  BOOST_TEST(validate_pyc(pyc, source, find_release_by_cache_tag("cpython-311")).header.accepted);
}

BOOST_AUTO_TEST_CASE(a_stale_mtime_or_size_is_rejected_but_no_source_means_no_check) {
  const std::string pyc = slurp("sample_modern.py311.pyc");
  SourceInfo source = matching_source(pyc, slurp("sample_modern.py").size());
  source.mtime_ns += 1'000'000'000;
  BOOST_TEST(validate_pyc(pyc, source).header.reason.find("stale: mtime") == 0u);
  source = matching_source(pyc, slurp("sample_modern.py").size() + 1);
  BOOST_TEST(validate_pyc(pyc, source).header.reason.find("stale: size") == 0u);
  BOOST_TEST((validate_pyc(pyc, std::nullopt).outcome() == PycOutcome::kLoads));
  // Python 2 has no size field: only the mtime counts.
  const std::string py27 = slurp("sample_common.py27.pyc");
  BOOST_TEST(validate_pyc(py27, matching_source(py27, 1)).header.accepted);
}

BOOST_AUTO_TEST_CASE(source_mtime_is_seen_as_each_interpreter_sees_it) {
  // 3.x: int(st_mtime) of the double sec + nsec * 1e-9, which rounds up
  // here; 2.x: time_t seconds.
  const std::int64_t ns = 1'699'999'999'999'999'999;
  BOOST_TEST(python_source_mtime(*find_release_by_magic(3495), ns) == 1'700'000'000);
  BOOST_TEST(python_source_mtime(*find_release_by_magic(62211), ns) == 1'699'999'999);
  BOOST_TEST(python_source_mtime(*find_release_by_magic(3495), 1'500'000'000'250'000'000) == 1'500'000'000);
  BOOST_TEST(python_source_mtime(*find_release_by_magic(62211), -1) == -1);
}

BOOST_AUTO_TEST_CASE(source_hashes_equal_what_python_3_8_and_3_11_wrote) {
  // 3.8 uses SipHash-2-4, 3.11 SipHash-1-3, both keyed with the magic.
  const std::string source = slurp("sample_modern.py");
  for (const char* name : {"sample_modern.py38.checked.pyc", "sample_modern.py311.checked.pyc"}) {
    const std::string pyc = slurp(name);
    const auto hash = pyc_source_hash(*find_release_by_magic(read_le16(pyc, 0)), source);
    BOOST_REQUIRE(hash.has_value());
    BOOST_TEST(std::string(reinterpret_cast<const char*>(hash->data()), 8) == pyc.substr(8, 8), name);
  }
  BOOST_TEST(!pyc_source_hash(*find_release_by_magic(3379), source).has_value());
}

BOOST_AUTO_TEST_CASE(checked_hash_pycs_follow_the_source_unchecked_ones_never_do) {
  const std::string source = slurp("sample_modern.py");
  const std::string edited = source + "\n# edited\n";
  const SourceInfo same{0, source.size(), source};
  const SourceInfo changed{0, edited.size(), edited};
  const std::string checked = slurp("sample_modern.py311.checked.pyc");
  BOOST_TEST((validate_pyc(checked, same).outcome() == PycOutcome::kLoads));
  const PycVerdict stale = validate_pyc(checked, changed);
  BOOST_TEST(!stale.header.accepted);
  BOOST_TEST(stale.header.reason.find("does not match the source") != std::string::npos);
  // Truncated under a stale hash: recompiled, harmless.
  BOOST_TEST((validate_pyc(std::string_view(checked).substr(0, 4096), changed).outcome() == PycOutcome::kRegenerated));
  const std::string unchecked = slurp("sample_modern.py311.unchecked.pyc");
  BOOST_TEST((validate_pyc(unchecked, changed).outcome() == PycOutcome::kLoads));
  BOOST_TEST((validate_pyc(std::string_view(unchecked).substr(0, 4096), changed).outcome() == PycOutcome::kImportFails));
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_code_fails_the_import) {
  std::string pyc = slurp("sample_modern.py311.pyc").substr(0, 16) + "N";
  const PycVerdict v = validate_pyc(pyc, std::nullopt);
  BOOST_REQUIRE((v.outcome() == PycOutcome::kImportFails));
  BOOST_TEST(v.body.error->exception == "ImportError");
  BOOST_TEST(v.body.error->offset == 16u);
}

BOOST_AUTO_TEST_CASE(trailing_bytes_are_ignored_but_counted) {
  const std::string pyc = slurp("sample_common.py36.pyc") + std::string(100, '\0');
  const PycVerdict v = validate_pyc(pyc, std::nullopt);
  BOOST_TEST((v.outcome() == PycOutcome::kLoads));
  BOOST_TEST(v.body.trailing == 100u);
  BOOST_TEST(v.describe().find("100 trailing bytes") != std::string::npos);
}
