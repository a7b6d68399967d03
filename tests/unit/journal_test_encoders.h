// Test writers for every journal format the journal checker reads: each
// produces the bytes a real writer would append, so the checker tests can
// build valid journals, tear them, zero them and interleave half entries.
// Independent of the parsers on purpose (their own byte layout code), so a
// shared misunderstanding cannot hide.
#pragma once

#include <boost/crc.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace crashfs::testing {

inline std::uint32_t test_crc32c(std::string_view a, std::string_view b = {}) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(a.data(), a.size());
  crc.process_bytes(b.data(), b.size());
  return crc.checksum();
}
inline std::uint32_t test_mask(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

inline void put32le(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
inline void put32be(std::string& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// A deterministic text payload of 40..99 bytes for entry `i`.
inline std::string payload(std::size_t i) {
  std::string p = "entry-" + std::to_string(i) + ":";
  const std::size_t size = 40 + (i * 37) % 60;
  while (p.size() < size) p.push_back(static_cast<char>('a' + (p.size() + i) % 26));
  return p;
}

class TestWriter {
 public:
  virtual ~TestWriter() = default;
  virtual std::string format() const = 0;
  virtual std::size_t header_entries() const { return 0; }
  virtual std::string header() const { return {}; }
  // The bytes of data entry `i` when appended at file offset `at`.
  virtual std::string entry(std::size_t i, std::uint64_t at) const = 0;
  // Offset inside entry(i, at) where its payload starts (for zero-filling
  // a payload under a valid length).
  virtual std::size_t payload_offset(std::size_t i, std::uint64_t at) const = 0;
};

class LengthPrefixedWriter : public TestWriter {
 public:
  explicit LengthPrefixedWriter(std::string name) : name_(std::move(name)) {}
  std::string format() const override { return name_; }
  std::string entry(std::size_t i, std::uint64_t) const override {
    const std::string p = payload(i);
    std::string length;
    const bool be = name_.rfind("u32be", 0) == 0;
    if (name_.rfind("u64le", 0) == 0) {
      put32le(length, static_cast<std::uint32_t>(p.size()));
      put32le(length, 0);
    } else if (be) {
      put32be(length, static_cast<std::uint32_t>(p.size()));
    } else {
      put32le(length, static_cast<std::uint32_t>(p.size()));
    }
    std::string out = length;
    if (name_.find("+crc32c") != std::string::npos) {
      const std::uint32_t crc = test_mask(test_crc32c(length, p));
      be ? put32be(out, crc) : put32le(out, crc);
    }
    return out + p;
  }
  std::size_t payload_offset(std::size_t i, std::uint64_t at) const override { return entry(i, at).size() - payload(i).size(); }

 private:
  std::string name_;
};

class ShakeWriter : public TestWriter {
 public:
  std::string format() const override { return "shake"; }
  std::size_t header_entries() const override { return 2; }
  std::string header() const override {
    std::string out = chunk("SHAKE-DATABASE-14-linux-x86_64-1\r\n");
    const std::vector<std::string> witnesses = {"FileQ", "OracleQ"};
    std::string table;
    put32le(table, static_cast<std::uint32_t>(witnesses.size()));
    for (const auto& w : witnesses) put32le(table, static_cast<std::uint32_t>(w.size()));
    for (const auto& w : witnesses) table += w;
    return out + chunk(table);
  }
  std::string entry(std::size_t i, std::uint64_t) const override {
    return record(static_cast<std::uint16_t>(i % 2), static_cast<std::uint32_t>(i), payload(i));
  }
  std::size_t payload_offset(std::size_t, std::uint64_t) const override { return 4 + 6; }

  // The chunk of a record: witness index, key id, value.  The header has
  // two witnesses: a higher index makes the reader reset the database.
  static std::string record(std::uint16_t witness, std::uint32_t key, const std::string& value) {
    std::string record;
    record.push_back(static_cast<char>(witness & 0xff));
    record.push_back(static_cast<char>(witness >> 8));
    put32le(record, key);
    return chunk(record + value);
  }

 private:
  static std::string chunk(const std::string& payload) {
    std::string out;
    put32le(out, static_cast<std::uint32_t>(payload.size()));
    return out + payload;
  }
};

// Shake's older layout: a raw version line, then big-endian chunks: the
// witness, then records (both opaque to the reader model).
class ShakeLegacyWriter : public TestWriter {
 public:
  std::string format() const override { return "shake-legacy"; }
  std::size_t header_entries() const override { return 2; }
  std::string header() const override { return "SHAKE-DATABASE-4-user\r\n" + chunk("witness:FileQ,OracleQ"); }
  std::string entry(std::size_t i, std::uint64_t) const override { return chunk(payload(i)); }
  std::size_t payload_offset(std::size_t, std::uint64_t) const override { return 4; }

 private:
  static std::string chunk(const std::string& payload) {
    std::string out;
    put32be(out, static_cast<std::uint32_t>(payload.size()));
    return out + payload;
  }
};

class NinjaLogWriter : public TestWriter {
 public:
  std::string format() const override { return "ninja-log"; }
  std::size_t header_entries() const override { return 1; }
  std::string header() const override { return "# ninja log v6\n"; }
  std::string entry(std::size_t i, std::uint64_t) const override {
    return std::to_string(100 * i) + "\t" + std::to_string(100 * i + 57) + "\t" + std::to_string(1700000000000000000ull + i) +
           "\tobj/file" + std::to_string(i) + ".o\t" + "9f3b2c" + std::to_string(i) + "a1e\n";
  }
  std::size_t payload_offset(std::size_t, std::uint64_t) const override { return 0; }
};

// Even entries are path records (id = i / 2), odd ones deps records for
// the path just recorded, on every path before it (or on the last
// `max_inputs` of them).
class NinjaDepsWriter : public TestWriter {
 public:
  explicit NinjaDepsWriter(std::uint32_t max_inputs = ~std::uint32_t{0}) : max_inputs_(max_inputs) {}
  std::string format() const override { return "ninja-deps"; }
  std::size_t header_entries() const override { return 1; }
  std::string header() const override {
    std::string out = "# ninjadeps\n";
    put32le(out, 4);
    return out;
  }
  std::string entry(std::size_t i, std::uint64_t) const override {
    std::string body;
    if (i % 2 == 0)
      return path_record("src/dir" + std::to_string(i) + "/header" + std::to_string(i) + ".h", static_cast<std::uint32_t>(i / 2));
    const std::uint32_t out_id = static_cast<std::uint32_t>(i / 2);
    put32le(body, out_id);
    put32le(body, 0x5000 + static_cast<std::uint32_t>(i));  // mtime low
    put32le(body, 0x17);                                      // mtime high
    for (std::uint32_t id = out_id < max_inputs_ ? 0 : out_id + 1 - max_inputs_; id <= out_id; ++id) put32le(body, id);
    std::string out;
    put32le(out, static_cast<std::uint32_t>(body.size()) | 0x80000000u);
    return out + body;
  }
  std::size_t payload_offset(std::size_t, std::uint64_t) const override { return 4; }

  // A path record of `path` as node `id`.
  static std::string path_record(std::string path, std::uint32_t id) {
    while (path.size() % 4) path.push_back('\0');
    std::string body = path;
    put32le(body, ~id);
    std::string out;
    put32le(out, static_cast<std::uint32_t>(body.size()));
    return out + body;
  }

 private:
  std::uint32_t max_inputs_;
};

// FULL records, or FIRST/MIDDLE/LAST when a record does not fit the block;
// `big` entries (every 4th) are 40000 bytes to cross blocks.
class LevelDbWriter : public TestWriter {
 public:
  explicit LevelDbWriter(bool big_entries = false) : big_(big_entries) {}
  std::string format() const override { return "leveldb"; }
  std::string entry(std::size_t i, std::uint64_t at) const override {
    std::string data = payload(i);
    if (big_ && i % 4 == 3) data = std::string(40000, static_cast<char>('A' + i % 26));
    return record(data, at);
  }
  // The logical record `data` appended at file offset `at`: a zero trailer
  // if the block has under 7 bytes left, then its fragments.
  static std::string record(std::string_view data, std::uint64_t at) {
    std::string out;
    std::uint64_t pos = at;
    std::string_view left = data;
    bool first = true;
    for (;;) {
      std::uint64_t block_left = 32768 - pos % 32768;
      if (block_left < 7) {
        out.append(block_left, '\0');
        pos += block_left;
        block_left = 32768;
      }
      const std::uint64_t room = block_left - 7;
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(room, left.size()));
      const bool last = n == left.size();
      const char type = first && last ? 1 : first ? 2 : last ? 4 : 3;
      std::string rec;
      const std::string type_and_data = std::string(1, type) + std::string(left.substr(0, n));
      put32le(rec, test_mask(test_crc32c(type_and_data)));
      rec.push_back(static_cast<char>(n & 0xff));
      rec.push_back(static_cast<char>(n >> 8));
      rec += type_and_data;
      out += rec;
      pos += rec.size();
      left.remove_prefix(n);
      first = false;
      if (last) return out;
    }
  }
  std::size_t payload_offset(std::size_t, std::uint64_t at) const override {
    return (32768 - at % 32768 < 7 ? 32768 - at % 32768 : 0) + 7;
  }

 private:
  bool big_;
};

struct BuiltJournal {
  std::string bytes;
  std::vector<std::uint64_t> offsets;  // of every data entry
};

inline BuiltJournal build_journal(const TestWriter& w, std::size_t entries) {
  BuiltJournal j;
  j.bytes = w.header();
  for (std::size_t i = 0; i < entries; ++i) {
    j.offsets.push_back(j.bytes.size());
    j.bytes += w.entry(i, j.bytes.size());
  }
  return j;
}

inline std::vector<std::unique_ptr<TestWriter>> all_writers() {
  std::vector<std::unique_ptr<TestWriter>> out;
  for (const char* name : {"u32le", "u32be", "u64le", "u32le+crc32c", "u32be+crc32c", "u64le+crc32c"})
    out.push_back(std::make_unique<LengthPrefixedWriter>(name));
  out.push_back(std::make_unique<ShakeWriter>());
  out.push_back(std::make_unique<NinjaLogWriter>());
  out.push_back(std::make_unique<NinjaDepsWriter>());
  out.push_back(std::make_unique<LevelDbWriter>());
  return out;
}

// A writer for every name of journal_format_names(), or nullptr.
inline std::unique_ptr<TestWriter> writer_for(std::string_view format) {
  if (format == "shake-legacy") return std::make_unique<ShakeLegacyWriter>();
  for (auto& w : all_writers())
    if (w->format() == format) return std::move(w);
  return nullptr;
}

}  // namespace crashfs::testing
