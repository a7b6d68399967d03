// The harness itself: the tools other tests rely on must be able to fail.
#include <sys/stat.h>

#include "tests/common/harness.h"

using namespace crashfs::test;

BOOST_AUTO_TEST_CASE(compare_trees_reports_every_kind_of_difference) {
  TempDir a;
  TempDir b;
  for (const TempDir* d : {&a, &b}) {
    write_file(d->path() + "/same", "same\n");
    write_file(d->path() + "/sub/same", "same\n");
    std::filesystem::create_symlink("same", d->path() + "/link");
  }
  BOOST_TEST(compare_trees(a.path(), b.path()).empty());

  write_file(a / "content", "one\n");
  write_file(b / "content", "two\n");
  write_file(a / "mode", "m", 0644);
  write_file(b / "mode", "m", 0755);
  chmod((b / "mode").c_str(), 0755);
  std::filesystem::create_symlink("x", a / "target");
  std::filesystem::create_symlink("y", b / "target");
  write_file(a / "only-a", "");
  std::filesystem::create_directories(b / "kind");
  write_file(a / "kind", "file here, directory there");
  const std::string diff = compare_trees(a.path(), b.path());
  for (const char* expected :
       {"content differs: content", "mode differs: mode", "symlink target differs: target", "only in", "type differs: kind"}) {
    BOOST_TEST(diff.find(expected) != std::string::npos, "missing \"" << expected << "\" in:\n" << diff);
  }
  CompareOptions ignore;
  ignore.ignore = {"content", "mode", "target", "only-a", "kind"};
  BOOST_TEST(compare_trees(a.path(), b.path(), ignore).empty(), compare_trees(a.path(), b.path(), ignore));
}

BOOST_AUTO_TEST_CASE(run_captures_output_exit_status_signals_and_timeouts) {
  RunResult r = run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  BOOST_TEST(r.out == "out\n");
  BOOST_TEST(r.err == "err\n");
  BOOST_TEST(r.exit_code == 3);
  r = run({"sh", "-c", "kill -TERM $$"});
  BOOST_TEST(r.exit_code == 128 + SIGTERM);
  RunOptions quick;
  quick.timeout = 200ms;
  r = run({"sleep", "30"}, quick);
  BOOST_TEST(r.timed_out);
  TempDir d;
  RunOptions env = in_dir(d.path());
  env.env = {{"CRASHFS_HARNESS_X", "1"}};
  r = run({"sh", "-c", "pwd; echo $CRASHFS_HARNESS_X"}, env);
  BOOST_TEST(r.out == d.path() + "\n1\n");
}
