// The workload's stdout and stderr in the trace: Output records ordered with
// its file operations, passed on to crashfs's own stdout and stderr, from
// every process of the workload, and recorded even when crashfs cannot pass
// them on.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/output_lines.h"
#include "core/trace.h"
#include "tests/integration/harness.h"

using namespace crashfs;
using namespace crashfs::test;

namespace {

// The first record of `type` naming `name` (Create: its name).
const Record* create_of(const test::Trace& t, std::string_view name) {
  for (const Record& r : t.records)
    if (r.type == RecordType::kCreate && r.name == name) return &r;
  return nullptr;
}

const Record* first_write_to(const test::Trace& t, NodeId node) {
  for (const Record& r : t.records)
    if (r.type == RecordType::kWrite && r.node == node) return &r;
  return nullptr;
}

std::vector<const Record*> outputs(const test::Trace& t, std::uint32_t stream) {
  std::vector<const Record*> out;
  for (const Record& r : t.records)
    if (r.type == RecordType::kOutput && r.flags == stream) out.push_back(&r);
  return out;
}

// The trace as the explorer reads it (for output_lines).
struct Decoded {
  std::string bytes;
  crashfs::Trace trace;
};
std::unique_ptr<Decoded> decode(const std::string& path) {
  auto d = std::make_unique<Decoded>();
  d->bytes = read_file(path);
  const Status st = crashfs::Trace::decode(d->bytes, d->trace, path);
  if (!st) throw std::runtime_error(st.message());
  return d;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_printed_line_lies_after_the_write_before_it_and_before_the_write_after_it) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  const RunResult r = record(dir.path(), trace, {"sh", "-c", "printf A > a.txt; echo between; printf B > b.txt"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  BOOST_TEST(r.out == "between\n");  // still reaches crashfs's own stdout, and nothing else does
  const test::Trace t = read_trace(trace);
  BOOST_REQUIRE(t.status.is_ok());
  const auto out = outputs(t, kOutputStdout);
  BOOST_REQUIRE_MESSAGE(out.size() == 1u, t.text());
  BOOST_TEST(out[0]->data == "between\n");
  const Record* a = create_of(t, "a.txt");
  const Record* b = create_of(t, "b.txt");
  BOOST_REQUIRE(a != nullptr && b != nullptr);
  const Record* write_a = first_write_to(t, a->node);
  BOOST_REQUIRE(write_a != nullptr);
  BOOST_TEST(write_a->seq < out[0]->seq, t.text());
  BOOST_TEST(out[0]->seq < b->seq, t.text());
  BOOST_TEST(outputs(t, kOutputStderr).empty(), t.text());
  // The output nodes leave nothing behind in the directory.
  BOOST_TEST(access((dir / ".crashfs-stdout").c_str(), F_OK) != 0);
}

BOOST_AUTO_TEST_CASE(stderr_is_recorded_as_its_own_stream_in_order_and_passed_on) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  const RunResult r =
      record(dir.path(), trace, {"sh", "-c", "printf A > a.txt; echo oops >&2; echo fine; printf B > b.txt"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  BOOST_TEST(r.out == "fine\n");
  BOOST_TEST(r.err.find("oops\n") != std::string::npos, r.err);
  const test::Trace t = read_trace(trace);
  const auto err = outputs(t, kOutputStderr);
  const auto out = outputs(t, kOutputStdout);
  BOOST_REQUIRE_MESSAGE(err.size() == 1u && out.size() == 1u, t.text());
  BOOST_TEST(err[0]->data == "oops\n");
  const Record* write_a = first_write_to(t, create_of(t, "a.txt")->node);
  BOOST_TEST(write_a->seq < err[0]->seq, t.text());
  BOOST_TEST(err[0]->seq < out[0]->seq, t.text());  // the program's own order
  BOOST_TEST(out[0]->seq < create_of(t, "b.txt")->seq, t.text());
}

BOOST_AUTO_TEST_CASE(output_of_a_grandchild_process_is_recorded_with_its_process) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  // sh runs sh, which runs /bin/echo (not a builtin) as its own child.
  const RunResult r = record(dir.path(), trace, {"sh", "-c", "sh -c '/bin/echo from-grandchild; true'; true"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  BOOST_TEST(r.out == "from-grandchild\n");
  const test::Trace t = read_trace(trace);
  std::map<std::uint32_t, std::string> comm;
  const Record* line = nullptr;
  for (const Record& rec : t.records) {
    if (rec.type == RecordType::kProcessInfo) comm[rec.pid] = std::string(rec.data);
    if (rec.type == RecordType::kOutput) line = &rec;
  }
  BOOST_REQUIRE_MESSAGE(line != nullptr, t.text());
  BOOST_TEST(line->data == "from-grandchild\n");
  BOOST_TEST(comm[line->pid] == "echo", t.text());
}

BOOST_AUTO_TEST_CASE(a_line_printed_in_several_writes_becomes_one_line_at_its_last_write) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  const RunResult r = record(dir.path(), trace,
                             {"python3", "-c",
                              "import os\n"
                              "os.write(1, b'commit')\n"
                              "fd = os.open('data', os.O_WRONLY | os.O_CREAT, 0o644)\n"
                              "os.write(fd, b'row')\n"
                              "os.close(fd)\n"
                              "os.write(1, b'ted')\n"
                              "os.write(1, b' 1\\nnext')\n"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  BOOST_TEST(r.out == "committed 1\nnext");
  const test::Trace t = read_trace(trace);
  const auto out = outputs(t, kOutputStdout);
  BOOST_REQUIRE_MESSAGE(out.size() == 3u, t.text());  // one record per write(2)
  const auto d = decode(trace);
  const auto lines = output_lines(d->trace);
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  BOOST_TEST(lines[0].text == "committed 1");
  BOOST_TEST(lines[0].seq == out[2]->seq);
  BOOST_TEST(lines[1].text == "next");
  BOOST_TEST(!lines[1].terminated);
  // The line lands after the write of `data`: that operation is before it.
  const Record* write_data = first_write_to(t, create_of(t, "data")->node);
  bool write_before = false;
  for (std::size_t i = 0; i < lines[0].ops_before; ++i) write_before |= d->trace.op(i).seq == write_data->seq;
  BOOST_TEST(write_before, t.text());
}

// Runs `crashfs record` of a workload that prints "one", writes f.txt and
// prints "two", through `launcher` (argv put before crashfs's own, which
// spoils crashfs's stdout), and checks the workload ran to its end and both
// lines are in the trace.
RunResult record_with_unusable_stdout(const std::vector<std::string>& launcher) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  MountGuard guard(dir.path());
  std::vector<std::string> cmd = launcher;
  cmd.insert(cmd.end(), {crashfs_binary(), "record", "--dir", dir.path(), "--trace", trace, "--", "sh", "-c",
                         "echo one; echo data > f.txt; echo two"});
  const RunResult r = run(cmd);
  BOOST_TEST(r.exit_code == 0, r.describe());
  BOOST_TEST(read_file(dir / "f.txt") == "data\n");
  const test::Trace t = read_trace(trace);
  BOOST_TEST(t.status.is_ok(), t.status.message());
  std::string recorded;
  for (const Record* o : outputs(t, kOutputStdout)) recorded += std::string(o->data) + "|";
  BOOST_TEST(recorded == "one\n|two\n|", t.text());
  return r;
}

BOOST_AUTO_TEST_CASE(with_its_stdout_closed_crashfs_still_records_the_output_and_exits_normally) {
  record_with_unusable_stdout({"sh", "-c", "exec \"$@\" >&-", "sh"});
}

BOOST_AUTO_TEST_CASE(with_its_stdout_a_broken_pipe_crashfs_still_records_and_the_workload_never_sees_it) {
  // crashfs's stdout: a pipe whose read end is closed before it starts.
  // Natively, sh would die of SIGPIPE (exit 141) at its first echo.
  const RunResult r = record_with_unusable_stdout({"python3", "-c",
                                                   "import os, subprocess, sys\n"
                                                   "r, w = os.pipe()\n"
                                                   "os.close(r)\n"
                                                   "sys.exit(subprocess.call(sys.argv[1:], stdout=w))\n"});
  BOOST_TEST(r.err.find("cannot pass the workload's stdout on") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(every_thread_s_line_is_recorded_after_that_thread_s_file_write) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  const int threads = 8, files = 25;
  const RunResult r =
      record(dir.path(), trace, {workload("print_after_write"), std::to_string(threads), std::to_string(files)});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  const test::Trace t = read_trace(trace);
  BOOST_REQUIRE(t.status.is_ok());
  std::map<NodeId, std::string> name_of;
  std::map<std::string, Seq> written_at;  // file -> seq of its write
  std::set<std::string> printed;
  std::size_t checked = 0;
  for (const Record& rec : t.records) {
    if (rec.type == RecordType::kCreate) name_of[rec.node] = std::string(rec.name);
    if (rec.type == RecordType::kWrite && name_of.count(rec.node)) written_at[name_of[rec.node]] = rec.seq;
    if (rec.type != RecordType::kOutput) continue;
    // "tTT fFFF written\n" names file tTT-FFF.
    const std::string line(rec.data);
    BOOST_REQUIRE_MESSAGE(line.size() == 17u && line.substr(8) == " written\n", "unexpected output: " << line);
    const std::string file = line.substr(0, 3) + "-" + line.substr(5, 3);
    BOOST_TEST(written_at.count(file) == 1u, "line \"" << line.substr(0, 16) << "\" recorded before the write of "
                                                         << file);
    printed.insert(file);
    ++checked;
  }
  BOOST_TEST(checked == static_cast<std::size_t>(threads * files));
  BOOST_TEST(printed.size() == static_cast<std::size_t>(threads * files));
  // Every line also reached crashfs's stdout.
  BOOST_TEST(std::count(r.out.begin(), r.out.end(), '\n') == threads * files);
}

BOOST_AUTO_TEST_CASE(the_output_nodes_are_hidden_and_cannot_be_removed_renamed_or_replaced) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  const RunResult r = record(dir.path(), trace,
                             {"sh", "-c",
                              "ls -a > listing; "
                              "rm -f .crashfs-stdout 2>/dev/null && echo removed >&2; "
                              "mv .crashfs-stderr moved 2>/dev/null && echo renamed >&2; "
                              "touch x; mv x .crashfs-stdout 2>/dev/null && echo replaced >&2; "
                              "echo via-dev-stdout > /dev/stdout; "
                              "[ -t 1 ] || echo not-a-terminal"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  const std::string listing = read_file(dir / "listing");
  BOOST_TEST(listing.find("crashfs-std") == std::string::npos, listing);
  BOOST_TEST(r.err.find("removed") == std::string::npos, r.err);
  BOOST_TEST(r.err.find("renamed") == std::string::npos, r.err);
  BOOST_TEST(r.err.find("replaced") == std::string::npos, r.err);
  BOOST_TEST(r.out == "via-dev-stdout\nnot-a-terminal\n");
  const test::Trace t = read_trace(trace);
  std::string recorded;
  for (const Record* o : outputs(t, kOutputStdout)) recorded += o->data;
  BOOST_TEST(recorded == "via-dev-stdout\nnot-a-terminal\n", t.text());
  BOOST_TEST(access((dir / "moved").c_str(), F_OK) != 0);
}

BOOST_AUTO_TEST_CASE(no_record_leaves_the_workload_s_output_alone) {
  TempDir dir;
  const std::string trace = dir / "crashfs.trace";
  const RunResult r = record(dir.path(), trace, {"sh", "-c", "echo plain; ls -a"}, {"--no-record"});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
  BOOST_TEST(r.out.rfind("plain\n", 0) == 0u, r.out);
  BOOST_TEST(r.out.find("crashfs-std") == std::string::npos, r.out);
}
