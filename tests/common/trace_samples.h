// Sample traces shared by the codec tests and the fuzzer's seed corpus.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/trace_codec.h"
#include "core/trace_format.h"

namespace crashfs::test {

// One record of every type, with every field the type carries set.
inline std::vector<Record> one_record_of_each_type() {
  std::vector<Record> out;
  Seq seq = 1;
  for (int t = 1; t <= kMaxRecordType; ++t) {
    Record r;
    r.type = static_cast<RecordType>(t);
    const std::uint32_t f = kRecordFields[t];
    r.seq = seq++;
    r.time_ns = 1700000000123456789 + t;
    r.pid = 4000 + t;
    r.tid = 5000 + t;
    if (f & kFNode) r.node = 10 + t;
    if (f & kFParent) r.parent = 1;
    if (f & kFName) r.name = "name.pyc";
    if (f & kFNewParent) r.new_parent = 3;
    if (f & kFNewName) r.new_name = "new-name";
    if (f & kFVictim) r.victim = 77;
    if (f & kFWhiteout) r.whiteout = 78;
    if (f & kFFh) r.fh = 0xfeedbeef;
    if (f & kFOffset) r.offset = 1ull << 40;
    if (f & kFLength) r.length = 123456789;
    if (f & kFMode) r.mode = 0100644;
    if (f & kFFlags) r.flags = 0x241;
    if (f & kFUid) r.uid = 1000;
    if (f & kFGid) r.gid = 100;
    if (f & kFRdev) r.rdev = 0x0801;
    if (f & kFAtime) r.atime_ns = -5;
    if (f & kFMtime) r.mtime_ns = 1234567890;
    if (f & kFValid) r.valid = kAttrMode | kAttrMtime;
    if (f & kFKind) r.kind = NodeKind::kSymlink;
    if (f & kFData) r.data = std::string_view("\0bytes\xff with nul", 16);
    out.push_back(r);
  }
  return out;
}

// The file header followed by `records`, encoded.
inline std::string encode_trace(const std::vector<Record>& records) {
  std::string out;
  encode_file_header(out);
  for (const auto& r : records) encode_record(r, out);
  return out;
}

}  // namespace crashfs::test
