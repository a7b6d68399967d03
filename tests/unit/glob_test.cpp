// glob_match: '*' and '?' stay inside a segment, '**' spans whole segments.
#include <boost/test/unit_test.hpp>

#include "checkers/glob.h"

using crashfs::glob_match;

BOOST_AUTO_TEST_CASE(double_star_matches_any_number_of_whole_directories) {
  BOOST_TEST(glob_match("**/*.pyc", "big.pyc"));
  BOOST_TEST(glob_match("**/*.pyc", "a/b/__pycache__/m.cpython-311.pyc"));
  BOOST_TEST(!glob_match("**/*.pyc", "a/b/m.py"));
  BOOST_TEST(glob_match("build/**/*.pyc", "build/x.pyc"));
  BOOST_TEST(glob_match("build/**/*.pyc", "build/a/b/x.pyc"));
  BOOST_TEST(!glob_match("build/**/*.pyc", "src/build/x.pyc"));
  BOOST_TEST(glob_match("a/**/b/**/c", "a/b/c"));
  BOOST_TEST(glob_match("a/**/b/**/c", "a/x/b/y/z/c"));
  BOOST_TEST(!glob_match("a/**/b/**/c", "a/x/c"));
  BOOST_TEST(glob_match("data/**", "data"));
  BOOST_TEST(glob_match("data/**", "data/x/y"));
  BOOST_TEST(glob_match("**", "anything/at/all"));
}

BOOST_AUTO_TEST_CASE(star_and_question_mark_never_cross_a_slash) {
  BOOST_TEST(glob_match("data/*.log", "data/app.log"));
  BOOST_TEST(!glob_match("data/*.log", "data/sub/app.log"));
  BOOST_TEST(!glob_match("*.log", "data/app.log"));
  BOOST_TEST(glob_match("?.db", "a.db"));
  BOOST_TEST(!glob_match("a?b", "a/b"));
  BOOST_TEST(glob_match("*", ".ninja_log"));  // dot files are ordinary
  BOOST_TEST(glob_match("a**b", "axyzb"));     // not a whole segment: a star
  BOOST_TEST(!glob_match("a**b", "a/b"));
}

BOOST_AUTO_TEST_CASE(classes_and_escapes_follow_fnmatch) {
  BOOST_TEST(glob_match("log[0-9].txt", "log7.txt"));
  BOOST_TEST(!glob_match("log[0-9].txt", "logx.txt"));
  BOOST_TEST(glob_match("log[!0-9].txt", "logx.txt"));
  BOOST_TEST(glob_match("\\*.conf", "*.conf"));
  BOOST_TEST(!glob_match("\\*.conf", "a.conf"));
  BOOST_TEST(!glob_match("[/]", "/"));
}

BOOST_AUTO_TEST_CASE(exact_paths_and_degenerate_patterns) {
  BOOST_TEST(glob_match("settings.conf", "settings.conf"));
  BOOST_TEST(!glob_match("settings.conf", "old/settings.conf"));
  BOOST_TEST(!glob_match("", "a"));
  BOOST_TEST(!glob_match("a//b", "a/b"));
  BOOST_TEST(glob_match("**", ""));
  BOOST_TEST(!glob_match("*.log", ""));
}
