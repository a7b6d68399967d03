// The Trace container (operations, ids, inserted and removed barriers,
// decoding errors) and the TraceBuilder test helper.
#include <boost/test/unit_test.hpp>

#include <string>

#include "core/explorer.h"
#include "core/trace.h"
#include "core/trace_builder.h"
#include "core/trace_codec.h"
#include "core/trace_index.h"

using namespace crashfs;

BOOST_AUTO_TEST_CASE(operations_are_the_mutations_and_durability_records) {
  TraceBuilder b("/home/u/proj");
  b.create("f").append("f", "x").release("f").fsync("f").mark("label");
  const Trace t = b.build();
  BOOST_TEST(t.recorded_dir() == "/home/u/proj");
  BOOST_REQUIRE_EQUAL(t.ops().size(), 3u);  // create, write, fsync
  BOOST_TEST((t.op(0).type == RecordType::kCreate));
  BOOST_TEST((t.op(2).type == RecordType::kFsync));
  BOOST_TEST(t.op_id(2).to_string() == std::to_string(t.op(2).seq));
  BOOST_TEST(*t.find_op(t.op_id(1)) == 1u);
  BOOST_TEST(!t.find_op(OpId{9999, 0}).has_value());
}

BOOST_AUTO_TEST_CASE(inserted_barriers_sort_right_after_their_operation_and_are_marked) {
  TraceBuilder b;
  b.create("f").append("f", "x").rename("f", "g");
  const Trace t = b.build();
  const NodeId f = b.node("g");
  const Trace one = t.with_barrier(1, RecordType::kFsync, f);
  const Trace two = one.with_barrier(1, RecordType::kFsyncdir, kRootNode);
  BOOST_REQUIRE_EQUAL(two.ops().size(), 5u);
  BOOST_TEST(two.op_id(2).to_string() == std::to_string(t.op(1).seq) + ".1");
  BOOST_TEST(two.op_id(3).to_string() == std::to_string(t.op(1).seq) + ".2");
  BOOST_TEST(is_synthetic(two.op(2)));
  BOOST_TEST((two.op(3).type == RecordType::kFsyncdir));
  BOOST_TEST((two.op(4).type == RecordType::kRename));
  BOOST_TEST(two.find_op(OpId{t.op(1).seq, 2}).value_or(0) == 3u);
  // The barrier changes what is durable: the write is now covered at the rename.
  TraceIndex index(two);
  BOOST_TEST(index.durable(1, 4));
  BOOST_TEST(!TraceIndex(t).durable(1, 2));
  // Removing it gives the original operations back.
  const Trace back = two.without_op(3).without_op(2);
  BOOST_TEST(back.ops().size() == t.ops().size());
  BOOST_TEST(!is_synthetic(back.op(2)));
  // A recorded fsync can be removed too.
  TraceBuilder c;
  c.create("f").append("f", "x").fsync("f").append("f", "y");
  const Trace with = c.build();
  const Trace without = with.without_op(2);
  BOOST_TEST(without.ops().size() == 3u);
  BOOST_TEST(TraceIndex(with).durable(1, 2));
  BOOST_TEST(!TraceIndex(without).durable(1, 2));
}

BOOST_AUTO_TEST_CASE(op_ids_parse_only_their_text_form) {
  BOOST_TEST(OpId::parse("41").value().seq == 41u);
  BOOST_TEST(OpId::parse("41.3").value().sub == 3u);
  for (const char* bad : {"", "x", "41.", ".3", "41.0", "41.3.1", "-4", "41a"}) {
    BOOST_TEST(!OpId::parse(bad).has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(damage_and_out_of_order_operations_are_errors_naming_where) {
  TraceBuilder b;
  b.create("f").append("f", "payload that is long enough to damage").append("f", "more");
  std::string bytes = b.encode();
  Trace t;
  BOOST_REQUIRE(Trace::decode(bytes, t, "x.trace").is_ok());
  bytes[bytes.size() - 30] ^= 0x40;
  const Status damaged = Trace::decode(bytes, t, "x.trace");
  BOOST_TEST(!damaged.is_ok());
  BOOST_TEST(damaged.message().find("x.trace") != std::string::npos);
  BOOST_TEST(damaged.message().find("offset") != std::string::npos, damaged.message());
  // A torn tail is a clean end.
  const std::string good = b.encode();
  BOOST_REQUIRE(Trace::decode(std::string_view(good).substr(0, good.size() - 3), t).is_ok());
  BOOST_TEST(t.torn_tail_bytes() > 0u);
  BOOST_TEST(t.ops().size() == 2u);
  // Operations must come in seq order.
  std::vector<Record> records = b.records();
  std::swap(records[records.size() - 1], records[records.size() - 2]);
  const Status order = Trace::from_records(records, nullptr, t);
  BOOST_TEST(!order.is_ok());
  BOOST_TEST(order.message().find("out of order") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(builder_writes_pre_images_and_truncates_like_the_recorder) {
  TraceBuilder b;
  b.existing_file("cfg", "original").open("cfg", 01001 /* O_WRONLY|O_TRUNC */).append("cfg", "new");
  const Trace t = b.build();
  std::vector<RecordType> types;
  for (const Record& r : t.records()) types.push_back(r.type);
  const std::vector<RecordType> tail(types.end() - 4, types.end());
  BOOST_TEST((tail == std::vector<RecordType>{RecordType::kOpen, RecordType::kPreImage, RecordType::kTruncate,
                                               RecordType::kWrite}));
  BOOST_TEST(b.base().files().empty());  // changed: no base content needed
  TraceBuilder c;
  c.existing_file("keep", "same").create("other");
  BOOST_TEST(c.base().files().at("keep") == "same");
  BOOST_CHECK_THROW(c.create("other"), std::invalid_argument);
  BOOST_CHECK_THROW(c.append("missing", "x"), std::invalid_argument);
}
