// The trace format: round trips, torn tails, damage, hostile bytes.
#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/trace_codec.h"
#include "core/trace_format.h"
#include "trace_samples.h"

using namespace crashfs;

namespace {

std::vector<Record> read_all(std::string_view bytes, Status* status = nullptr, std::uint64_t* torn = nullptr) {
  TraceReader reader(bytes);
  std::vector<Record> out;
  Record r;
  while (reader.next(r)) out.push_back(r);
  if (status) *status = reader.status();
  if (torn) *torn = reader.torn_tail_bytes();
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_record_type_round_trips_field_for_field) {
  const auto records = test::one_record_of_each_type();
  const std::string bytes = test::encode_trace(records);
  Status st;
  const auto decoded = read_all(bytes, &st);
  BOOST_TEST(st.is_ok());
  BOOST_REQUIRE_EQUAL(decoded.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    BOOST_TEST_CONTEXT("record type " << to_string(records[i].type)) { BOOST_TEST((decoded[i] == records[i])); }
  }
}

BOOST_AUTO_TEST_CASE(head_plus_data_equals_the_whole_frame) {
  for (const auto& r : test::one_record_of_each_type()) {
    std::string whole, head;
    encode_record(r, whole);
    encode_record_head(r, head);
    const std::string_view data = (kRecordFields[static_cast<int>(r.type)] & kFData) ? r.data : std::string_view{};
    BOOST_TEST(head + std::string(data) == whole);
  }
}

BOOST_AUTO_TEST_CASE(truncation_at_every_length_yields_a_prefix_and_a_clean_end) {
  const auto records = test::one_record_of_each_type();
  const std::string bytes = test::encode_trace(records);
  // Offsets at which each record ends.
  std::vector<std::size_t> ends;
  {
    std::string acc;
    encode_file_header(acc);
    for (const auto& r : records) {
      encode_record(r, acc);
      ends.push_back(acc.size());
    }
  }
  for (std::size_t len = 0; len <= bytes.size(); ++len) {
    Status st;
    std::uint64_t torn = 0;
    const auto got = read_all(std::string_view(bytes).substr(0, len), &st, &torn);
    BOOST_TEST_CONTEXT("length " << len) {
      BOOST_TEST(st.is_ok(), st.message());
      std::size_t complete = 0;
      while (complete < ends.size() && ends[complete] <= len) ++complete;
      BOOST_REQUIRE_EQUAL(got.size(), complete);
      for (std::size_t i = 0; i < got.size(); ++i) BOOST_TEST((got[i] == records[i]));
      const std::size_t consumed = complete == 0 ? std::min(len, kFileHeaderSize) : ends[complete - 1];
      BOOST_TEST(torn == (len < kFileHeaderSize ? len : len - consumed));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_flipped_byte_before_the_last_record_is_reported_with_its_offset) {
  const auto records = test::one_record_of_each_type();
  const std::string bytes = test::encode_trace(records);
  std::string last;
  encode_record(records.back(), last);
  const std::size_t last_start = bytes.size() - last.size();
  for (std::size_t pos = 0; pos < last_start; ++pos) {
    std::string damaged = bytes;
    damaged[pos] = static_cast<char>(damaged[pos] ^ 0x20);
    Status st;
    const auto got = read_all(damaged, &st);
    BOOST_TEST_CONTEXT("flip at " << pos) {
      BOOST_TEST(!st.is_ok());
      BOOST_TEST((st.code() == Status::Code::kCorruption));
      BOOST_TEST(got.size() < records.size());
      if (pos >= kFileHeaderSize) BOOST_TEST(st.message().find("offset") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash_the_reader_or_read_out_of_bounds) {
  std::mt19937_64 rng(20261123);
  const std::string good = test::encode_trace(test::one_record_of_each_type());
  for (int round = 0; round < 20000; ++round) {
    std::string input;
    if (round % 2 == 0) {
      // Mutations of a valid trace: keeps the reader past the header.
      input = good.substr(0, rng() % (good.size() + 1));
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < flips && !input.empty(); ++i) input[rng() % input.size()] = static_cast<char>(rng());
    } else {
      input.resize(rng() % 256);
      for (auto& c : input) c = static_cast<char>(rng());
      if (round % 3 == 0) {
        std::string header;
        encode_file_header(header);
        input = header + input;
      }
    }
    std::vector<Record> got = read_all(input);
    for (const auto& r : got) {
      // Views must lie inside the input.
      const char* lo = input.data();
      const char* hi = input.data() + input.size();
      BOOST_TEST((r.data.empty() || (r.data.data() >= lo && r.data.data() + r.data.size() <= hi)));
      BOOST_TEST(r.name.size() <= kMaxNameLength);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_huge_length_field_with_a_valid_header_check_is_corruption_not_allocation) {
  std::string bytes;
  encode_file_header(bytes);
  Record r;
  r.type = RecordType::kMark;
  r.data = "x";
  encode_record(r, bytes);
  // A second trace whose only record claims a payload beyond the limit.
  std::string frame = bytes.substr(kFileHeaderSize);
  const std::uint32_t huge = kMaxPayload + 1;
  for (int i = 0; i < 4; ++i) frame[i] = static_cast<char>((huge >> (8 * i)) & 0xff);
  std::string trace;
  encode_file_header(trace);
  trace += frame;
  Status st;
  read_all(trace, &st);
  BOOST_TEST(!st.is_ok());  // header check no longer matches, or length over limit
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_trace_is_rejected_by_name) {
  Status st;
  read_all("#!/bin/sh\necho hello world\n", &st);
  BOOST_TEST(!st.is_ok());
  BOOST_TEST(st.message().find("not a crashfs trace") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_format_1_trace_is_refused_with_a_request_to_re_record) {
  std::string bytes;
  encode_file_header(bytes);
  // The same header with version 1 and its checksum.
  bytes[8] = 1;
  const std::uint64_t check = XXH3_64bits(bytes.data(), 12);
  for (int i = 0; i < 4; ++i) bytes[12 + i] = static_cast<char>((check >> (8 * i)) & 0xff);
  Status st;
  read_all(bytes, &st);
  BOOST_TEST(!st.is_ok());
  BOOST_TEST(st.message().find("version 1") != std::string::npos, st.message());
  BOOST_TEST(st.message().find("re-record") != std::string::npos, st.message());
}
