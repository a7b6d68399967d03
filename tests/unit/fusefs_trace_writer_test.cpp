// TraceWriter: records are buffered, handed to the writer thread, and reach
// the file in order: on flush() or close(), or on their own after push();
// a record larger than the buffer goes out after what was buffered before
// it; a failed write is sticky.  (Uses a temporary file.)
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/trace_codec.h"
#include "core/trace_format.h"
#include "fusefs/trace_writer.h"

using crashfs::Record;
using crashfs::RecordType;
using crashfs::Status;
using crashfs::TraceReader;
using crashfs::fusefs::TraceWriter;

namespace {

struct TempTrace {
  std::string path;
  TempTrace() {
    char tmpl[] = "/tmp/crashfs-writer-XXXXXX";
    const int fd = mkstemp(tmpl);
    BOOST_TEST_REQUIRE(fd >= 0);
    ::close(fd);
    path = tmpl;
  }
  ~TempTrace() { ::unlink(path.c_str()); }
  std::string bytes() const {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // The data of every Write record in the file, in order.
  std::vector<std::string> writes() const {
    const std::string all = bytes();
    TraceReader reader(all);
    std::vector<std::string> out;
    Record rec;
    while (reader.next(rec)) {
      if (rec.type == RecordType::kWrite) out.emplace_back(rec.data);
    }
    BOOST_TEST(reader.status().is_ok(), reader.status().message());
    BOOST_TEST(reader.torn_tail_bytes() == 0u);
    return out;
  }
};

Status append_write(TraceWriter& w, const std::string& data) {
  Record rec;
  rec.type = RecordType::kWrite;
  rec.node = 7;
  rec.data = data;
  return w.append(rec);
}

}  // namespace

BOOST_AUTO_TEST_CASE(small_records_wait_in_the_buffer_until_flush) {
  TempTrace t;
  TraceWriter w;
  BOOST_TEST_REQUIRE(w.open(t.path).is_ok());
  const std::size_t header_only = t.bytes().size();
  BOOST_TEST_REQUIRE(append_write(w, "hello").is_ok());
  BOOST_TEST(t.bytes().size() == header_only);  // buffered
  BOOST_TEST_REQUIRE(w.flush().is_ok());
  BOOST_TEST((t.writes() == std::vector<std::string>{"hello"}));
  BOOST_TEST(w.records() == 1u);
}

BOOST_AUTO_TEST_CASE(a_record_bigger_than_the_buffer_goes_out_after_the_buffered_ones) {
  TempTrace t;
  TraceWriter w;
  BOOST_TEST_REQUIRE(w.open(t.path).is_ok());
  const std::string big(crashfs::kMaxDataChunk, 'B');
  BOOST_TEST_REQUIRE(append_write(w, "first").is_ok());
  BOOST_TEST_REQUIRE(append_write(w, big).is_ok());
  BOOST_TEST_REQUIRE(append_write(w, "last").is_ok());
  BOOST_TEST_REQUIRE(w.close().is_ok());
  const auto writes = t.writes();
  BOOST_TEST_REQUIRE(writes.size() == 3u);
  BOOST_TEST(writes[0] == "first");
  BOOST_TEST(writes[1] == big);
  BOOST_TEST(writes[2] == "last");
}

BOOST_AUTO_TEST_CASE(many_records_fill_buffers_and_arrive_in_order) {
  TempTrace t;
  TraceWriter w;
  BOOST_TEST_REQUIRE(w.open(t.path).is_ok());
  std::vector<std::string> sent;
  for (int i = 0; i < 100000; ++i) {  // about 4 buffers
    sent.push_back("entry " + std::to_string(i));
    BOOST_TEST_REQUIRE(append_write(w, sent.back()).is_ok());
  }
  BOOST_TEST_REQUIRE(w.flush().is_ok());
  BOOST_TEST(w.bytes() == t.bytes().size());
  BOOST_TEST_REQUIRE(w.close().is_ok());
  BOOST_TEST((t.writes() == sent));
}

BOOST_AUTO_TEST_CASE(push_hands_records_over_without_flush_and_they_reach_the_file) {
  TempTrace t;
  TraceWriter w;
  BOOST_TEST_REQUIRE(w.open(t.path).is_ok());
  const std::size_t header_only = t.bytes().size();
  BOOST_TEST_REQUIRE(append_write(w, "pushed").is_ok());
  BOOST_TEST_REQUIRE(w.push().is_ok());
  // The writer thread writes it on its own; wait for it (generously).
  for (int i = 0; i < 1000 && t.bytes().size() == header_only; ++i) usleep(10'000);
  BOOST_TEST(t.bytes().size() > header_only, "push() did not reach the file within 10 s");
  BOOST_TEST((t.writes() == std::vector<std::string>{"pushed"}));
}

BOOST_AUTO_TEST_CASE(a_failed_write_is_sticky_and_names_the_trace) {
  TempTrace t;
  TraceWriter w;
  BOOST_TEST_REQUIRE(w.open(t.path).is_ok());
  // Writes past 64 KiB fail with EFBIG (SIGXFSZ ignored) while the limit holds.
  struct sigaction ignore {}, old_action {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGXFSZ, &ignore, &old_action);
  rlimit old_limit{};
  getrlimit(RLIMIT_FSIZE, &old_limit);
  rlimit small = old_limit;
  small.rlim_cur = 64 << 10;
  BOOST_TEST_REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  const std::string chunk(100 << 10, 'x');
  Status appended = append_write(w, chunk);
  const Status flushed = w.flush();
  setrlimit(RLIMIT_FSIZE, &old_limit);
  sigaction(SIGXFSZ, &old_action, nullptr);

  BOOST_TEST(appended.is_ok());  // buffered: the failure comes with the write
  BOOST_TEST(!flushed.is_ok());
  BOOST_TEST(flushed.message().find(t.path) != std::string::npos, flushed.message());
  BOOST_TEST(flushed.message().find("File too large") != std::string::npos, flushed.message());
  // Sticky: later appends fail with the same message, and so does close().
  const Status later = append_write(w, "later");
  BOOST_TEST(!later.is_ok());
  BOOST_TEST(later.message() == flushed.message());
  BOOST_TEST(!w.failure().is_ok());
  BOOST_TEST(!w.close().is_ok());
}
