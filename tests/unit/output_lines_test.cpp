// Output records (the workload's stdout/stderr): lines placed at the write
// that completed them, the record's codec and dump forms, and the promise
// that they change nothing the explorer does.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "core/explorer.h"
#include "core/output_lines.h"
#include "core/path_tracker.h"
#include "core/record_format.h"
#include "core/state_dump.h"
#include "core/trace_builder.h"
#include "core/trace_codec.h"

using namespace crashfs;

namespace {

// The seq of the last record the builder emitted.
Seq emitted(const TraceBuilder& b) { return b.last_seq(); }

std::vector<std::string> texts(const std::vector<OutputLine>& lines) {
  std::vector<std::string> out;
  for (const OutputLine& l : lines) out.push_back(l.text);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_line_written_in_pieces_lands_at_the_write_holding_its_newline) {
  TraceBuilder b;
  b.create("a");
  b.output(kOutputStdout, "commit");
  b.append("a", "x");
  b.output(kOutputStdout, "ted 1");
  b.output(kOutputStdout, "\n");
  const Seq newline = emitted(b);
  b.create("b");
  const Trace t = b.build();
  const auto lines = output_lines(t);
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].text == "committed 1");
  BOOST_TEST(lines[0].terminated);
  BOOST_TEST(lines[0].seq == newline);
  BOOST_TEST(lines[0].stream == kOutputStdout);
  BOOST_TEST(t.records()[lines[0].record].seq == newline);
  // After create a and the write of a; before create b.
  BOOST_TEST(lines[0].ops_before == 2u);
  BOOST_TEST(t.op(lines[0].ops_before).name == "b");
}

BOOST_AUTO_TEST_CASE(several_lines_in_one_write_all_land_at_that_write_in_order) {
  TraceBuilder b;
  b.output(kOutputStdout, "partial ");
  b.create("a");
  b.output(kOutputStdout, "one\ntwo\n\nthree\nfour");
  const Seq write = emitted(b);
  const Trace t = b.build();
  const auto lines = output_lines(t);
  BOOST_TEST((texts(lines) == std::vector<std::string>{"partial one", "two", "", "three", "four"}));
  for (std::size_t i = 0; i < 4; ++i) {
    BOOST_TEST(lines[i].seq == write);
    BOOST_TEST(lines[i].terminated);
    BOOST_TEST(lines[i].ops_before == 1u);
  }
  BOOST_TEST(!lines[4].terminated);  // "four" never got its newline
  BOOST_TEST(lines[4].seq == write);
}

BOOST_AUTO_TEST_CASE(a_final_line_without_newline_lands_at_its_last_write) {
  TraceBuilder b;
  b.output(kOutputStderr, "done\nbye");
  b.create("a");
  b.output(kOutputStderr, "bye");
  const Seq last = emitted(b);
  b.output(kOutputStderr, "");  // an empty write adds nothing and moves nothing
  b.create("b");
  const Trace t = b.build();
  const auto lines = output_lines(t);
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  BOOST_TEST(lines[0].text == "done");
  BOOST_TEST(lines[0].ops_before == 0u);
  BOOST_TEST(lines[1].text == "byebye");
  BOOST_TEST(!lines[1].terminated);
  BOOST_TEST(lines[1].seq == last);
  BOOST_TEST(lines[1].ops_before == 1u);
  BOOST_TEST(lines[1].stream == kOutputStderr);
}

BOOST_AUTO_TEST_CASE(stdout_and_stderr_are_split_independently_and_merged_in_trace_order) {
  TraceBuilder b;
  b.output(kOutputStdout, "out-");
  b.output(kOutputStderr, "err line\n");
  const Seq err_line = emitted(b);
  b.output(kOutputStdout, "line\r\n");
  const Seq out_line = emitted(b);
  b.output(kOutputStderr, "err tail");
  b.output(kOutputStdout, "out tail");
  const Trace t = b.build();
  const auto lines = output_lines(t);
  BOOST_REQUIRE_EQUAL(lines.size(), 4u);
  BOOST_TEST(lines[0].text == "err line");
  BOOST_TEST(lines[0].stream == kOutputStderr);
  BOOST_TEST(lines[0].seq == err_line);
  BOOST_TEST(lines[1].text == "out-line\r");  // only the '\n' is taken off
  BOOST_TEST(lines[1].stream == kOutputStdout);
  BOOST_TEST(lines[1].seq == out_line);
  BOOST_TEST(lines[2].text == "err tail");  // tails in the order of their last writes
  BOOST_TEST(lines[3].text == "out tail");
  BOOST_TEST(!lines[2].terminated);
  BOOST_TEST(!lines[3].terminated);
}

BOOST_AUTO_TEST_CASE(lines_name_the_process_whose_write_completed_them) {
  TraceBuilder b;
  b.as_process(200, "parent");
  b.output(kOutputStdout, "from parent, ");
  b.as_process(300, "grandchild");
  b.output(kOutputStdout, "ended by grandchild\n");
  const auto lines = output_lines(b.build());
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].text == "from parent, ended by grandchild");
  BOOST_TEST(lines[0].pid == 300u);
}

BOOST_AUTO_TEST_CASE(the_splitter_over_a_decoded_trace_gives_the_same_lines) {
  TraceBuilder b;
  b.create("a").output(kOutputStdout, std::string("bin\0ary\n", 8)).append("a", "1").output(kOutputStdout, "x");
  const std::string bytes = b.encode();
  Trace decoded;
  BOOST_REQUIRE(Trace::decode(bytes, decoded).is_ok());
  const auto lines = output_lines(decoded);
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  BOOST_TEST(lines[0].text == std::string("bin\0ary", 7));
  BOOST_TEST(lines[1].text == "x");

  std::vector<OutputLine> streamed;
  OutputLineSplitter splitter([&](OutputLine&& l) { streamed.push_back(std::move(l)); });
  TraceReader reader(bytes);
  Record rec;
  std::size_t index = 0, ops = 0;
  while (reader.next(rec)) {
    splitter.feed(rec, index++, ops);
    if (is_operation(rec.type)) ++ops;
  }
  splitter.finish();
  BOOST_REQUIRE_EQUAL(streamed.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    BOOST_TEST(streamed[i].text == lines[i].text);
    BOOST_TEST(streamed[i].seq == lines[i].seq);
    BOOST_TEST(streamed[i].record == lines[i].record);
    BOOST_TEST(streamed[i].ops_before == lines[i].ops_before);
  }
}

BOOST_AUTO_TEST_CASE(an_output_record_is_neither_a_mutation_nor_a_durability_point) {
  BOOST_TEST(!is_mutation(RecordType::kOutput));
  BOOST_TEST(!is_durability(RecordType::kOutput));
  BOOST_TEST(!is_operation(RecordType::kOutput));
  BOOST_TEST(to_string(RecordType::kOutput) == "output");
  BOOST_TEST(static_cast<int>(RecordType::kOutput) == 25);
  TraceBuilder b;
  b.create("a").output(kOutputStdout, "ok\n");
  BOOST_TEST(b.build().ops().size() == 1u);
}

BOOST_AUTO_TEST_CASE(dump_shows_the_stream_and_every_byte_escaped) {
  Record rec;
  rec.type = RecordType::kOutput;
  rec.seq = 7;
  rec.pid = 42;
  rec.tid = 43;
  rec.flags = kOutputStderr;
  rec.data = std::string_view("say \"hi\"\\\t\n\x01\xff", 13);
  PathTracker paths;
  BOOST_TEST(describe_op(rec, paths) == R"(output stderr +13 "say \"hi\"\\\t\n\x01\xff")");
  const nlohmann::json j = to_json(rec, paths);
  BOOST_TEST(j["stream"].get<std::string>() == "stderr");
  BOOST_TEST(j["data"].get<std::string>() == R"(say \"hi\"\\\t\n\x01\xff)");
  BOOST_TEST(j["data_len"].get<std::size_t>() == 13u);
  BOOST_TEST(escape_bytes("plain text") == "plain text");
}

// The same trace with and without Output records explores to the same
// states, with the same ids, summaries and checker contexts, under every
// model: output is not an operation and changes no state.
BOOST_AUTO_TEST_CASE(output_records_change_no_crash_point_state_or_id_under_any_model) {
  TraceBuilder b;
  b.existing_file("db", "OLD").output(kOutputStdout, "start\n");
  b.create("db.tmp").output(kOutputStdout, "created ");
  b.append("db.tmp", std::string(9000, 'n')).output(kOutputStderr, "wrote\n");
  b.fdatasync("db.tmp").output(kOutputStdout, "synced\n");
  b.rename("db.tmp", "db").output(kOutputStdout, "renamed\n").output(kOutputStderr, "");
  b.create("log").append("log", "entry1").output(kOutputStdout, "ack 1\n");
  b.append("log", "entry2").fsync("log").output(kOutputStdout, "ack 2\n").fsyncdir("");
  b.append("log", "entry3").output(kOutputStdout, "tail");
  const Trace with = b.build();
  std::vector<Record> without_records;
  for (const Record& r : with.records()) {
    if (r.type != RecordType::kOutput) without_records.push_back(r);
  }
  BOOST_REQUIRE(without_records.size() + 9 == with.records().size());
  Trace without;
  BOOST_REQUIRE(Trace::from_records(without_records, nullptr, without).is_ok());
  BOOST_REQUIRE(with.ops().size() == without.ops().size());

  struct Seen {
    std::vector<std::string> ids, states, contexts;
    ExploreSummary summary;
  };
  auto explore = [&](const Trace& trace) {
    MemoryBaseContent base = b.base();
    Explorer ex(trace, &base);
    ExploreOptions options;
    options.models = {ModelKind::kProcessKill, ModelKind::kSyncedOnly, ModelKind::kPosix, ModelKind::kExt4Ordered};
    options.sector = 4096;
    Seen seen;
    seen.summary = ex.explore(options, [&](const ExploredState& s) {
      seen.ids.push_back(s.id());
      seen.states.push_back(dump_state(*s.state(), true));
      seen.contexts.push_back(dump_state(*s.completed(), true) + "|" + dump_state(*s.acked(), true) + "|" +
                              s.description());
    });
    return seen;
  };
  const Seen a = explore(with);
  const Seen b2 = explore(without);
  BOOST_TEST(a.ids.size() > 20u);
  BOOST_TEST(a.ids == b2.ids);
  BOOST_TEST(a.states == b2.states);
  BOOST_TEST(a.contexts == b2.contexts);
  BOOST_REQUIRE(a.summary.models.size() == b2.summary.models.size());
  for (std::size_t m = 0; m < a.summary.models.size(); ++m) {
    BOOST_TEST(a.summary.models[m].crash_points == b2.summary.models[m].crash_points);
    BOOST_TEST(a.summary.models[m].generated == b2.summary.models[m].generated);
    BOOST_TEST(a.summary.models[m].distinct == b2.summary.models[m].distinct);
    BOOST_TEST(a.summary.models[m].exhaustive_points == b2.summary.models[m].exhaustive_points);
  }
  // The durability facts of every operation are the same too.
  TraceIndex ia(with), ib(without);
  for (std::size_t i = 0; i < ia.size(); ++i) {
    BOOST_TEST(ia.facts(i).durable_at == ib.facts(i).durable_at);
    BOOST_TEST(ia.facts(i).metadata == ib.facts(i).metadata);
  }
}
