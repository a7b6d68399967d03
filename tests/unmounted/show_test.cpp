// `crashfs show`: one crash state, compared with the crash-free run, and
// where one file's bytes came from; its errors are clear and exit 2.
#include "tests/common/harness.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/trace_builder.h"

namespace t = crashfs::test;
using crashfs::TraceBuilder;

namespace {

// "cache.tmp" gets 8192 bytes in one write, is closed and renamed onto
// "cache" with no fsync; "keep" is written and fsynced.
struct RenameTrace {
  t::TempDir dir;
  std::string trace = dir / "show.trace";
  crashfs::Seq write_seq = 0, rename_seq = 0;

  RenameTrace() {
    TraceBuilder b(dir / "recorded");
    std::filesystem::create_directories(dir / "recorded");
    b.create("keep").append("keep", "durable").fsync("keep").release("keep");
    b.create("cache.tmp").append("cache.tmp", std::string(4096, 'A') + std::string(4096, 'B'));
    write_seq = b.last_seq();
    b.release("cache.tmp").rename("cache.tmp", "cache");
    rename_seq = b.last_seq();
    t::write_file(trace, b.encode());
  }

  t::RunResult show(std::vector<std::string> extra) const {
    std::vector<std::string> argv = {t::crashfs_binary(), "show", trace};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return t::run(argv);
  }
  // The torn state: of the write, only its first 4096-byte piece persisted.
  std::string torn_id() const { return fmt::format("posix@{}-t{}s0", rename_seq, write_seq); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(listing_compares_each_file_with_the_crash_free_state) {
  RenameTrace r;
  const t::RunResult res = r.show({"--state", r.torn_id()});
  BOOST_TEST_REQUIRE(res.exit_code == 0, res.describe());
  BOOST_TEST(res.out.find(r.torn_id()) != std::string::npos, res.out);
  BOOST_TEST(res.out.find("torn #" + std::to_string(r.write_seq)) != std::string::npos, res.out);
  std::istringstream lines(res.out);
  std::string line, cache_line, keep_line;
  while (std::getline(lines, line)) {
    if (line.find(" cache ") != std::string::npos) cache_line = line;
    if (line.find(" keep ") != std::string::npos) keep_line = line;
  }
  BOOST_TEST(cache_line.find("differs (4096 bytes read as zeros)") != std::string::npos, res.out);
  BOOST_TEST(keep_line.find("as written") != std::string::npos, res.out);
}

BOOST_AUTO_TEST_CASE(an_omitted_rename_shows_the_target_missing) {
  RenameTrace r;
  const t::RunResult res = r.show({"--state", fmt::format("posix@{}-o{}", r.rename_seq, r.rename_seq), "--json"});
  BOOST_TEST_REQUIRE(res.exit_code == 0, res.describe());
  const auto j = nlohmann::json::parse(res.out);
  BOOST_TEST(j["missing"].dump() == R"(["cache"])");
  bool tmp_listed = false;
  for (const auto& e : j["entries"]) {
    if (e["path"] == "cache.tmp") tmp_listed = e["crash_free"] == "not in the crash-free state";
  }
  BOOST_TEST(tmp_listed, res.out);
}

BOOST_AUTO_TEST_CASE(file_ranges_name_the_write_or_zeros_and_cat_prints_the_bytes) {
  RenameTrace r;
  const t::RunResult json = r.show({"--state", r.torn_id(), "--file", "cache", "--json"});
  BOOST_TEST_REQUIRE(json.exit_code == 0, json.describe());
  const auto j = nlohmann::json::parse(json.out);
  BOOST_TEST_REQUIRE(j["ranges"].size() == 2u, json.out);
  BOOST_TEST(j["ranges"][0]["offset"] == 0);
  BOOST_TEST(j["ranges"][0]["length"] == 4096);
  BOOST_TEST(j["ranges"][0]["seq"] == r.write_seq);
  BOOST_TEST(j["ranges"][1]["zeros"] == true);
  BOOST_TEST(j["ranges"][1]["length"] == 4096);

  const t::RunResult cat = r.show({"--state", r.torn_id(), "--file", "cache", "--cat"});
  BOOST_TEST_REQUIRE(cat.exit_code == 0, cat.describe());
  BOOST_TEST((cat.out == std::string(4096, 'A') + std::string(4096, '\0')));
}

BOOST_AUTO_TEST_CASE(bad_ids_missing_files_and_cat_without_file_exit_2_with_a_reason) {
  RenameTrace r;
  const t::RunResult bad = r.show({"--state", "posix@x"});
  BOOST_TEST(bad.exit_code == 2, bad.describe());
  const t::RunResult beyond = r.show({"--state", "posix@999"});
  BOOST_TEST(beyond.exit_code == 2, beyond.describe());
  BOOST_TEST(beyond.err.find("crashfs explore") != std::string::npos, beyond.err);
  const t::RunResult gone = r.show({"--state", fmt::format("posix@{}-o{}", r.rename_seq, r.rename_seq), "--file",
                                    "cache"});
  BOOST_TEST(gone.exit_code == 2, gone.describe());
  BOOST_TEST(gone.err.find("the crash lost it") != std::string::npos, gone.err);
  const t::RunResult cat = r.show({"--state", r.torn_id(), "--cat"});
  BOOST_TEST(cat.exit_code == 2, cat.describe());
  BOOST_TEST(cat.err.find("--cat needs --file") != std::string::npos, cat.err);
  const t::RunResult no_base = r.show({"--state", r.torn_id(), "--base", r.dir / "no-such-dir"});
  BOOST_TEST(no_base.exit_code == 2, no_base.describe());
  BOOST_TEST(no_base.err.find("no-such-dir") != std::string::npos, no_base.err);
  const t::RunResult check_no_base = t::run({t::crashfs_binary(), "check", r.trace, "--checker", "atomic@cache",
                                             "--base", r.dir / "no-such-dir"});
  BOOST_TEST(check_no_base.exit_code == 2, check_no_base.describe());
  const t::RunResult no_trace = t::run({t::crashfs_binary(), "show", r.dir / "nope.trace", "--state", "posix@1"});
  BOOST_TEST(no_trace.exit_code == 2, no_trace.describe());
}
