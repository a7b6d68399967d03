// Acknowledgements (core/acknowledgements.h): which output lines and marks
// --ack REGEX takes, and the moment each one holds from (the operations
// recorded before it).
#include <boost/test/unit_test.hpp>

#include "core/acknowledgements.h"
#include "core/trace_builder.h"

using namespace crashfs;

namespace {

// create a; write a; mark "saved 1"; print "ok 1\n"; write a; print "ok 2" in two writes; stderr "ok 3\n"
Trace sample() {
  TraceBuilder b;
  b.create("a").append("a", "one").mark("saved 1").output(kOutputStdout, "ok 1\n");
  b.append("a", "two").output(kOutputStdout, "o").output(kOutputStdout, "k 2\nnoise\n");
  b.output(kOutputStderr, "ok 3\n");
  return b.build();
}

}  // namespace

BOOST_AUTO_TEST_CASE(matching_lines_and_marks_hold_from_the_operations_before_them) {
  std::vector<Acknowledgement> acks;
  BOOST_REQUIRE(collect_acknowledgements(sample(), "^ok|saved", acks).is_ok());
  BOOST_REQUIRE_EQUAL(acks.size(), 4u);
  // create, write: 2 operations before the mark and the first line.
  BOOST_TEST(acks[0].moment == 2u);
  BOOST_TEST(acks[0].what.find("mark \"saved 1\"") != std::string::npos, acks[0].what);
  BOOST_TEST(acks[1].moment == 2u);
  BOOST_TEST(acks[1].what.find("stdout line \"ok 1\"") != std::string::npos, acks[1].what);
  // A line written in two pieces lands at the write holding its newline.
  BOOST_TEST(acks[2].moment == 3u);
  BOOST_TEST(acks[2].what.find("\"ok 2\"") != std::string::npos, acks[2].what);
  BOOST_TEST(acks[3].what.find("stderr line \"ok 3\"") != std::string::npos, acks[3].what);
}

BOOST_AUTO_TEST_CASE(a_pattern_matching_nothing_gives_no_acknowledgement) {
  std::vector<Acknowledgement> acks;
  BOOST_REQUIRE(collect_acknowledgements(sample(), "^committed", acks).is_ok());
  BOOST_TEST(acks.empty());
}

BOOST_AUTO_TEST_CASE(an_invalid_pattern_is_a_usage_error_naming_it) {
  std::vector<Acknowledgement> acks;
  const Status st = collect_acknowledgements(sample(), "ok(", acks);
  BOOST_TEST(!st.is_ok());
  BOOST_TEST((st.code() == Status::Code::kInvalidArgument));
  BOOST_TEST(st.message().find("--ack 'ok('") != std::string::npos, st.message());
  BOOST_TEST(!validate_ack_pattern("ok(").is_ok());
  BOOST_TEST(validate_ack_pattern("^ok [0-9]+$").is_ok());
}
