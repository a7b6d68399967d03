// Inputs on which a fuzzer (tests/fuzz) broke a parser's contract, kept as
// files in tests/data/fuzz/TARGET/ and replayed here against the contract
// the fuzzer checks, so each fix stays fixed without a fuzzing build.
// (Findings reproduced more clearly by hand-built inputs are tested next to
// their parser: checker_spec_test, marshal_reader_test.)
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <string>

#include "checkers/marshal_reader.h"
#include "core/trace_codec.h"

using namespace crashfs;

namespace {

std::string finding(const std::string& target, const std::string& name) {
  const std::string path = std::string(CRASHFS_SOURCE_DIR) + "/tests/data/fuzz/" + target + "/" + name;
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

// trace_reader: a trace cut inside its 16-byte file header reported its
// torn tail (all 12 bytes) from offset 12, past the end of the file.
BOOST_AUTO_TEST_CASE(a_trace_torn_inside_its_header_has_its_torn_tail_within_the_file) {
  const std::string bytes = finding("trace_reader", "torn-file-header");
  BOOST_REQUIRE(bytes.size() == 12u);
  TraceReader reader(bytes);
  Record rec;
  BOOST_TEST(!reader.next(rec));
  BOOST_TEST(reader.status().is_ok());
  BOOST_TEST(reader.torn_tail_bytes() == 12u);
  BOOST_TEST(reader.offset() + reader.torn_tail_bytes() <= bytes.size());
}

// marshal_reader: 1999 nested containers (one level under CPython's limit,
// so they load) overflowed the stack of the sanitizer build, whose frames
// kept a slot per std::string temporary of every failure path: about 4 KiB
// a level.  The recursive path now holds only small frames.  In this build
// the test shows the verdict; scripts/fuzz.sh replays the same files under
// ASan, where the overflow was.
BOOST_AUTO_TEST_CASE(containers_nested_1999_deep_load_without_exhausting_the_stack) {
  struct Nest {
    const char* name;
    std::string open, close;  // one more level around the data
  };
  const Nest nests[] = {{"nested-dicts-1999", "{N", "0"},
                        {"nested-short-tuples-1999", ")\x01", ""},
                        {"nested-lists-1999", std::string("[\x01\x00\x00\x00", 5), ""}};
  for (const Nest& nest : nests) {
    const std::string input = finding("marshal_reader", nest.name);  // a profile byte, then the data
    BOOST_REQUIRE(input.size() > 1u);
    const auto profile = static_cast<marshal::Profile>(static_cast<unsigned char>(input[0]) % 6);
    const std::string data = input.substr(1);
    const marshal::LoadResult r = marshal::load(data, profile);
    BOOST_TEST(r.loads(), nest.name << ": " << (r.error ? r.error->message : ""));
    BOOST_TEST(r.consumed == data.size(), nest.name);
    // One level more is CPython's "recursion limit exceeded", not a crash.
    const marshal::LoadResult too_deep = marshal::load(nest.open + data + nest.close, profile);
    BOOST_REQUIRE(!too_deep.loads());
    BOOST_TEST(too_deep.error->message == "recursion limit exceeded", nest.name);
  }
}
