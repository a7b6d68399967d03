// --shard K/N (core/shard.h): what parses, what is refused, and the
// canonical text parsing back to the same shard.
#include <boost/test/unit_test.hpp>

#include "core/shard.h"

using namespace crashfs;

BOOST_AUTO_TEST_CASE(k_of_n_parses_to_a_zero_based_index) {
  BOOST_TEST((parse_shard("1/1") == Shard{0, 1}));
  BOOST_TEST((parse_shard("2/8") == Shard{1, 8}));
  BOOST_TEST((parse_shard("8/8") == Shard{7, 8}));
  BOOST_TEST((parse_shard("01/4") == Shard{0, 4}));
  BOOST_TEST((parse_shard("4294967295/4294967295") == Shard{4294967294u, 4294967295u}));
}

BOOST_AUTO_TEST_CASE(anything_but_digits_slash_digits_with_k_in_range_is_refused) {
  for (const char* text : {"", "/", "1", "1/", "/1", "0/1", "3/2", "1/0", "1/2/3", "-1/2", "+1/2", " 1/2", "1/2 ",
                           "1/4294967296", "a/b", "1.0/2"})
    BOOST_TEST(!parse_shard(text).has_value(), "'" << text << "' parsed");
}

BOOST_AUTO_TEST_CASE(the_canonical_text_parses_back) {
  BOOST_TEST(shard_text(Shard{1, 8}) == "2/8");
  BOOST_TEST(shard_text(*parse_shard("007/9")) == "7/9");
  BOOST_TEST(shard_text(Shard{4294967294u, 4294967295u}) == "4294967295/4294967295");
  BOOST_TEST((parse_shard(shard_text(Shard{4294967294u, 4294967295u})) == Shard{4294967294u, 4294967295u}));
}
