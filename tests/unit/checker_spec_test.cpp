// --checker NAME[:ARG][@GLOB]: the examples that must parse, defaults, the
// errors people get for bad input, and the factory.
#include <boost/test/unit_test.hpp>

#include "checkers/checker_spec.h"

using namespace crashfs;

namespace {

CheckerSpec parse_ok(std::string_view text) {
  CheckerSpec spec;
  const Status s = parse_checker_spec(text, spec);
  BOOST_TEST(s.is_ok(), text << ": " << s.message());
  return spec;
}

std::string parse_error(std::string_view text) {
  CheckerSpec spec;
  const Status s = parse_checker_spec(text, spec);
  BOOST_TEST(!s.is_ok(), text << " should not parse");
  BOOST_TEST((s.code() == Status::Code::kInvalidArgument));
  return s.message();
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(documented_examples_parse) {
  CheckerSpec j = parse_ok("journal:u32le@data/*.log");
  BOOST_TEST(j.name == "journal");
  BOOST_TEST(j.arg == "u32le");
  BOOST_TEST(j.globs == std::vector<std::string>{"data/*.log"}, boost::test_tools::per_element());

  CheckerSpec a = parse_ok("atomic@settings.conf");
  BOOST_TEST(a.name == "atomic");
  BOOST_TEST(a.globs == std::vector<std::string>{"settings.conf"}, boost::test_tools::per_element());

  CheckerSpec p = parse_ok("pyc");
  BOOST_TEST(p.globs == std::vector<std::string>{"**/*.pyc"}, boost::test_tools::per_element());
  CheckerSpec pb = parse_ok("pyc@build/**/*.pyc");
  BOOST_TEST(pb.globs == std::vector<std::string>{"build/**/*.pyc"}, boost::test_tools::per_element());

  CheckerSpec c = parse_ok("cmd:python3 -c 'import m'");
  BOOST_TEST(c.name == "cmd");
  BOOST_TEST(c.arg == "python3 -c 'import m'");
  BOOST_TEST(c.globs.empty());
}

BOOST_AUTO_TEST_CASE(sqlite_defaults_to_every_database_extension_anywhere) {
  CheckerSpec s = parse_ok("sqlite");
  BOOST_TEST(s.globs == (std::vector<std::string>{"**/*.db", "**/*.sqlite", "**/*.sqlite3"}), boost::test_tools::per_element());
  BOOST_TEST(parse_ok("sqlite@app/state.db").globs == std::vector<std::string>{"app/state.db"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cmd_keeps_at_signs_and_colons_in_the_command) {
  BOOST_TEST(parse_ok("cmd:ssh user@host true").arg == "ssh user@host true");
  BOOST_TEST(parse_ok("cmd:a:b@c").arg == "a:b@c");
}

BOOST_AUTO_TEST_CASE(every_journal_format_and_checksum_variant_parses) {
  for (const char* f : {"u32le", "u32be", "u64le", "u32le+crc32c", "shake", "shake-legacy", "ninja-log", "ninja-deps", "leveldb"})
    BOOST_TEST(parse_ok(std::string("journal:") + f + "@j").arg == f);
  BOOST_TEST(parse_ok("journal:shake@./.shake/.shake.database").globs[0] == ".shake/.shake.database");
}

BOOST_AUTO_TEST_CASE(bad_specs_get_errors_that_say_what_to_do) {
  BOOST_TEST(contains(parse_error(""), "expected NAME"));
  BOOST_TEST(contains(parse_error("pycc"), "unknown checker 'pycc'"));
  BOOST_TEST(contains(parse_error("journal@x.log"), "journal needs a format"));
  BOOST_TEST(contains(parse_error("journal:@x.log"), "journal needs a format"));
  BOOST_TEST(contains(parse_error("journal:u24le@x.log"), "unknown journal format 'u24le'"));
  BOOST_TEST(contains(parse_error("journal:u24le@x.log"), "u32le+crc32c"));
  BOOST_TEST(contains(parse_error("journal:u32le"), "journal needs the files"));
  BOOST_TEST(contains(parse_error("journal:u32le@"), "empty glob"));
  BOOST_TEST(contains(parse_error("atomic"), "atomic needs the files"));
  BOOST_TEST(contains(parse_error("atomic:settings.conf"), "atomic@settings.conf"));
  BOOST_TEST(contains(parse_error("pyc:3.11"), "takes no ':' argument"));
  BOOST_TEST(contains(parse_error("pyc@/abs/x.pyc"), "drop the leading '/'"));
  BOOST_TEST(contains(parse_error("cmd"), "cmd needs a command"));
  BOOST_TEST(contains(parse_error("cmd:"), "cmd needs a command"));
  BOOST_TEST(contains(parse_error(":x"), "missing checker name"));
}

BOOST_AUTO_TEST_CASE(a_list_of_specs_stops_at_the_first_bad_one) {
  std::vector<CheckerSpec> specs;
  BOOST_TEST(parse_checker_specs({"pyc", "atomic@a.conf"}, specs).is_ok());
  BOOST_TEST(specs.size() == 2u);
  const Status s = parse_checker_specs({"pyc", "bogus", "atomic@a.conf"}, specs);
  BOOST_TEST(!s.is_ok());
  BOOST_TEST(contains(s.message(), "'bogus'"));
}

BOOST_AUTO_TEST_CASE(factory_builds_pure_checkers_and_needs_host_services_for_cmd_and_dump) {
  std::unique_ptr<Checker> checker;
  BOOST_TEST(make_checker(parse_ok("journal:ninja-deps@.ninja_deps"), checker).is_ok());
  BOOST_REQUIRE(checker);
  BOOST_TEST(checker->name() == "journal:ninja-deps");
  BOOST_TEST(make_checker(parse_ok("atomic@settings.conf"), checker).is_ok());
  BOOST_REQUIRE(checker);
  BOOST_TEST(checker->name() == "atomic");
  BOOST_TEST(make_checker(parse_ok("pyc"), checker).is_ok());
  BOOST_REQUIRE(checker);
  BOOST_TEST(checker->name() == "pyc");
  BOOST_TEST(make_checker(parse_ok("sqlite"), checker).is_ok());  // in memory (sqlite_memory_vfs.h)
  BOOST_REQUIRE(checker);
  BOOST_TEST(checker->name() == "sqlite");
  for (const char* text : {"cmd:true", "dump:git log"}) {
    const CheckerSpec spec = parse_ok(text);
    const Status s = make_checker(spec, checker);
    BOOST_TEST((s.code() == Status::Code::kUnsupported));
    BOOST_TEST(!checker);
  }
}

// Found by tests/fuzz/checker_spec_fuzzer.cpp: "./" was dropped after the
// check for a leading '/', so ".//etc/x" was accepted as the absolute glob
// "/etc/x", which matches nothing relative to the recorded directory.
BOOST_AUTO_TEST_CASE(a_glob_that_is_absolute_after_dropping_dot_slash_is_refused) {
  BOOST_TEST(contains(parse_error("pyc@.//etc/x.pyc"), "drop the leading '/'"));
  BOOST_TEST(contains(parse_error("atomic@././/a.conf"), "drop the leading '/'"));
  BOOST_TEST(parse_ok("atomic@./a/b.conf").globs == std::vector<std::string>{"a/b.conf"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(canonical_text_parses_back_to_the_same_spec) {
  for (const char* text : {"pyc", "pyc@./src/*.pyc", "journal:u32le+crc32c@data/*.log", "atomic@a@b", "sqlite",
                           "sqlite@x.db", "cmd:python3 -c 'import m' @x:y", "dump:git log"}) {
    const CheckerSpec spec = parse_ok(text);
    const CheckerSpec again = parse_ok(canonical_text(spec));
    BOOST_TEST(again.name == spec.name, text);
    BOOST_TEST(again.arg == spec.arg, text);
    BOOST_TEST(again.globs == spec.globs, text << " -> " << canonical_text(spec));
  }
  BOOST_TEST(canonical_text(parse_ok("pyc@**/*.pyc")) == "pyc");
  BOOST_TEST(canonical_text(parse_ok("pyc@./src/*.pyc")) == "pyc@src/*.pyc");
}
