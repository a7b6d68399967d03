// The marshal reader model: each type code, back-references, limits, and
// the checks code objects must pass, on hand-built data.  Expected errors
// are CPython's (marshal.c); the facts marked "measured" were checked with
// marshal.loads() of Python 2.7, 3.6, 3.11 and 3.13 on this machine.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "checkers/marshal_reader.h"
#include "checkers/marshal_text.h"
#include "checkers/pyc_format.h"

#include "tests/unit/pyc_fixtures.h"

using namespace crashfs;
using namespace crashfs::marshal;
using namespace std::string_literals;

namespace {

std::string i32(std::int32_t v) {
  std::string out(4, '\0');
  const auto u = static_cast<std::uint32_t>(v);
  for (std::size_t i = 0; i < 4; ++i) out[i] = static_cast<char>((u >> (8 * i)) & 0xFF);
  return out;
}
std::string short_str(std::string_view s) { return "z"s + static_cast<char>(s.size()) + std::string(s); }
std::string bytes_obj(std::string_view s) { return "s" + i32(static_cast<std::int32_t>(s.size())) + std::string(s); }
std::string tuple_of(std::initializer_list<std::string> items) {
  std::string out = "(" + i32(static_cast<std::int32_t>(items.size()));
  for (const auto& item : items) out += item;
  return out;
}

// A 3.11-3.13 code object: argcount posonly kwonly stacksize flags | code
// consts names localsplusnames localspluskinds filename name qualname |
// firstlineno | linetable exceptiontable.
struct Code311 {
  std::int32_t argcount = 0, posonly = 0, kwonly = 0, stacksize = 1, flags = 0;
  std::string code = bytes_obj("\x97\x00"s + "d\x00S\x00"s);  // RESUME; LOAD_CONST; RETURN_VALUE
  std::string consts = tuple_of({"N"});
  std::string names = tuple_of({});
  std::string localsplusnames = tuple_of({});
  std::string localspluskinds = bytes_obj("");
  std::string filename = short_str("m.py");

  std::string marshal() const {
    return "c" + i32(argcount) + i32(posonly) + i32(kwonly) + i32(stacksize) + i32(flags) + code + consts + names +
           localsplusnames + localspluskinds + filename + short_str("<module>") + short_str("<module>") + i32(1) +
           bytes_obj("") + bytes_obj("");
  }
};

void require_error(const LoadResult& r, std::string_view exception, std::string_view message_part, std::size_t offset) {
  BOOST_REQUIRE(r.error.has_value());
  BOOST_TEST(r.error->exception == exception);
  BOOST_TEST(r.error->message.find(message_part) != std::string::npos, r.error->message << " lacks " << message_part);
  BOOST_TEST(r.error->offset == offset);
}

}  // namespace

BOOST_AUTO_TEST_CASE(real_pyc_bodies_load_as_code_consuming_every_byte) {
  for (const char* name : {"sample_common.py27.pyc", "sample_common.py36.pyc", "sample_common.py38.pyc",
                           "sample_modern.py311.pyc", "sample_modern.py312.pyc", "sample_modern.py313.pyc"}) {
    const std::string pyc = crashfs::test::read_pyc_fixture(name);
    const PythonRelease* release = find_release_by_magic(read_le16(pyc, 0));
    BOOST_REQUIRE(release);
    const LoadResult r = load(std::string_view(pyc).substr(release->header_size), release->profile);
    BOOST_TEST(r.loads(), name << ": " << (r.error ? r.error->message : ""));
    BOOST_TEST((r.kind == Kind::kCode), name);
    BOOST_TEST(r.consumed == pyc.size() - release->header_size, name);
  }
}

BOOST_AUTO_TEST_CASE(hand_built_code_object_loads_and_trailing_bytes_are_ignored) {
  const std::string code = Code311{}.marshal();
  LoadResult r = load(code + "garbage", Profile::kPy311);
  BOOST_TEST(r.loads());
  BOOST_TEST((r.kind == Kind::kCode));
  BOOST_TEST(r.consumed == code.size());
}

BOOST_AUTO_TEST_CASE(empty_and_truncated_data_raise_eof_errors_where_the_read_ran_out) {
  require_error(load("", Profile::kPy311), "EOFError", "EOF read where object expected", 0);
  require_error(load("i\x01\x02\x03", Profile::kPy311), "EOFError", "marshal data too short", 1);
  require_error(load(bytes_obj("abcdef").substr(0, 8), Profile::kPy311), "EOFError", "marshal data too short", 5);
  // Every proper prefix of a code object fails; none is mistaken for a whole object.
  const std::string code = Code311{}.marshal();
  for (std::size_t cut = 0; cut < code.size(); ++cut) {
    const LoadResult r = load(std::string_view(code).substr(0, cut), Profile::kPy311);
    BOOST_TEST(!r.loads(), "prefix of " << cut << " bytes loaded");
    BOOST_TEST(r.error->exception == "EOFError", "cut " << cut << ": " << r.error->exception);
  }
}

BOOST_AUTO_TEST_CASE(a_small_tuple_at_eof_reads_255_items_and_fails_with_eof) {
  // r_byte() returns EOF, (unsigned char)EOF is 255: the items then hit EOF.
  require_error(load(")", Profile::kPy311), "EOFError", "EOF read where object expected", 1);
}

BOOST_AUTO_TEST_CASE(zeros_and_unknown_type_bytes_are_value_errors_except_null) {
  require_error(load("?", Profile::kPy311), "ValueError", "unknown type code", 0);
  require_error(load("\x01", Profile::kPy2), "ValueError", "unknown type code", 0);
  // A zero byte is no type: zero-filled bodies fail with ValueError (FORMATS.md).
  require_error(load("\0"s, Profile::kPy311), "ValueError", "unknown type code", 0);
  // '0' is TYPE_NULL: alone it is "NULL object"; inside a tuple too.
  require_error(load("0", Profile::kPy311), "TypeError", "NULL object in marshal data for object", 0);
  require_error(load(tuple_of({"0"}), Profile::kPy311), "TypeError", "NULL object in marshal data for tuple", 0);
  // Python 2 has no 'r', 'a' or short forms.
  require_error(load("r" + i32(0), Profile::kPy2), "ValueError", "unknown type code", 0);
  require_error(load(short_str("x"), Profile::kPy30), "ValueError", "unknown type code", 0);
}

BOOST_AUTO_TEST_CASE(negative_counts_are_value_errors) {
  require_error(load("[" + i32(-1), Profile::kPy311), "ValueError", "list size out of range", 5);
  require_error(load("(" + i32(-5), Profile::kPy311), "ValueError", "tuple size out of range", 5);
  require_error(load("s" + i32(-1), Profile::kPy311), "ValueError", "bytes object size out of range", 5);
  require_error(load("s" + i32(-1), Profile::kPy2), "ValueError", "string size out of range", 5);
}

BOOST_AUTO_TEST_CASE(huge_counts_cost_only_the_bytes_present) {
  // A corrupt count must neither allocate nor loop past the data.
  for (const std::string& head : {"(" + i32(0x7FFFFFFF), "[" + i32(0x7FFFFFFF), "<" + i32(0x7FFFFFFF),
                                 "s" + i32(0x7FFFFFFF), "l" + i32(0x7FFFFFFF)}) {
    const std::string data = head + std::string(64, 'N');
    const LoadResult r = load(data, Profile::kPy311);
    BOOST_TEST(!r.loads());
    BOOST_TEST(r.error->exception == "EOFError", head[0] << ": " << r.error->message);
    BOOST_TEST(r.consumed <= data.size());
  }
}

BOOST_AUTO_TEST_CASE(long_integers_must_be_normalized_with_15_bit_digits) {
  BOOST_TEST(load("l" + i32(2) + "\x01\x00\x02\x00"s, Profile::kPy311).loads());
  BOOST_TEST(load("l" + i32(-1) + "\x05\x00"s, Profile::kPy311).loads());
  require_error(load("l" + i32(2) + "\x01\x00\x00\x00"s, Profile::kPy311), "ValueError", "unnormalized long data", 0);
  require_error(load("l" + i32(1) + "\x00\x80"s, Profile::kPy311), "ValueError", "digit out of range", 0);
  require_error(load("l" + i32(INT32_MIN), Profile::kPy311), "ValueError", "long size out of range", 0);
}

BOOST_AUTO_TEST_CASE(text_floats_follow_PyOS_string_to_double_not_float) {
  // Measured: marshal.loads(b'f\x03 1.5') and b'f\x041_00' raise; b'f\x041.5\x00' is 1.5.
  BOOST_TEST(load("f\x03" "1.5", Profile::kPy311).loads());
  BOOST_TEST(load("f\x04" "1.5\0"s, Profile::kPy311).loads());
  BOOST_TEST(load("f\x03" "inf", Profile::kPy311).loads());
  BOOST_TEST(load("x\x02" "-1\x04" "2e10", Profile::kPy311).loads());
  require_error(load("f\x04" " 1.5", Profile::kPy311), "ValueError", "could not convert string to float", 0);
  require_error(load("f\x04" "1_00", Profile::kPy311), "ValueError", "could not convert string to float", 0);
  require_error(load("f\x02" "1e", Profile::kPy311), "ValueError", "could not convert string to float", 0);
  BOOST_TEST(is_python_float_text("-.5E+3"));
  BOOST_TEST(is_python_float_text("NaN"));
  BOOST_TEST(is_python_float_text("+Infinity"));
  BOOST_TEST(!is_python_float_text("."));
  BOOST_TEST(!is_python_float_text(""));
  BOOST_TEST(!is_python_float_text("infinit"));
  BOOST_TEST(!is_python_float_text("0x10"));
}

BOOST_AUTO_TEST_CASE(text_must_be_utf8_but_surrogates_pass) {
  BOOST_TEST(load("u" + i32(3) + "\xed\xa0\x80"s, Profile::kPy311).loads());
  BOOST_TEST(load("u" + i32(4) + "\xf0\x9f\x90\x8d"s, Profile::kPy311).loads());
  require_error(load("u" + i32(2) + "\xc0\xaf"s, Profile::kPy311), "UnicodeDecodeError", "invalid utf-8", 0);
  require_error(load("t" + i32(1) + "\xff"s, Profile::kPy34), "UnicodeDecodeError", "invalid utf-8", 0);
  BOOST_TEST(!is_utf8_surrogatepass("\xf4\x90\x80\x80"));  // above U+10FFFF
  BOOST_TEST(!is_utf8_surrogatepass("\xe0\x80\x80"));      // overlong
  BOOST_TEST(!is_utf8_surrogatepass("\xe2\x82"));          // cut short
  // ASCII-only forms are not validated (CPython trusts them).
  BOOST_TEST(load("a" + i32(1) + "\xff"s, Profile::kPy311).loads());
}

BOOST_AUTO_TEST_CASE(back_references_resolve_only_to_registered_complete_slots) {
  // 'i'|FLAG_REF takes slot 0, then a tuple of it and a ref to it.
  BOOST_TEST(load("(" + i32(2) + "\xe9" + i32(7) + "r" + i32(0), Profile::kPy311).loads());
  require_error(load(tuple_of({"r" + i32(0)}), Profile::kPy311), "ValueError", "invalid reference", 5);
  // A tuple is registered before its items: a ref to it from inside is legal.
  BOOST_TEST(load("\xa8" + i32(1) + "r" + i32(0), Profile::kPy311).loads());
  // A frozenset is registered only when complete: a ref to it from inside is not.
  require_error(load("\xbe" + i32(1) + "r" + i32(0), Profile::kPy311), "ValueError", "invalid reference", 5);
  // Before 3.4 there is no FLAG_REF: the flagged byte is an unknown type.
  require_error(load("\xe9" + i32(7), Profile::kPy30), "ValueError", "unknown type code", 0);
}

BOOST_AUTO_TEST_CASE(python2_interned_strings_are_referenced_by_index) {
  BOOST_TEST(load(tuple_of({"t" + i32(1) + "a", "R" + i32(0)}), Profile::kPy2).loads());
  require_error(load(tuple_of({"t" + i32(1) + "a", "R" + i32(1)}), Profile::kPy2), "ValueError",
                "string ref out of range", 11);
}

BOOST_AUTO_TEST_CASE(nesting_deeper_than_2000_objects_is_refused) {
  // Measured on 2.7, 3.6, 3.11, 3.13: 1999 nested 1-tuples around None load, 2000 do not.
  std::string nested;
  for (int i = 0; i < 1999; ++i) nested += "(" + i32(1);
  BOOST_TEST(load(nested + "N", Profile::kPy311).loads());
  const LoadResult r = load("(" + i32(1) + nested + "N", Profile::kPy311);
  BOOST_REQUIRE(!r.loads());
  BOOST_TEST(r.error->message == "recursion limit exceeded");
}

BOOST_AUTO_TEST_CASE(dicts_end_at_a_null_key_and_need_hashable_keys) {
  BOOST_TEST(load("{" + short_str("k") + "N" + "0", Profile::kPy311).loads());
  require_error(load("{[" + i32(0) + "N0", Profile::kPy311), "TypeError", "unhashable dict key", 0);
  require_error(load("<" + i32(1) + "[" + i32(0), Profile::kPy311), "TypeError", "unhashable set element", 0);
  // 3.x: a NULL value ends the dict; 2.x skips it and reads on to the next key.
  BOOST_TEST(load("{N00", Profile::kPy311).consumed == 3u);
  BOOST_TEST(load("{N0N00", Profile::kPy2).consumed == 6u);
}

BOOST_AUTO_TEST_CASE(code_objects_are_validated_like_pycode_new) {
  Code311 odd;
  odd.code = bytes_obj("\x97");
  require_error(load(odd.marshal(), Profile::kPy311), "ValueError", "co_code is malformed", 0);

  Code311 wrong_kind;
  wrong_kind.filename = bytes_obj("m.py");
  require_error(load(wrong_kind.marshal(), Profile::kPy311), "SystemError", "code field is bytes, want str", 0);

  Code311 posonly;
  posonly.posonly = 1;  // argcount 0 < posonlyargcount 1
  require_error(load(posonly.marshal(), Profile::kPy311), "SystemError", "bad argument", 0);

  Code311 mismatch;
  mismatch.localsplusnames = tuple_of({short_str("x")});  // one name, zero kinds
  require_error(load(mismatch.marshal(), Profile::kPy311), "SystemError", "localsplus", 0);

  Code311 too_few;
  too_few.argcount = 1;
  too_few.localsplusnames = tuple_of({short_str("x")});
  too_few.localspluskinds = bytes_obj("\x40");  // a cell, not a local
  require_error(load(too_few.marshal(), Profile::kPy311), "ValueError", "co_varnames is too small", 0);
  Code311 enough = too_few;
  enough.localspluskinds = bytes_obj("\x20");  // CO_FAST_LOCAL
  BOOST_TEST(load(enough.marshal(), Profile::kPy311).loads());

  Code311 bad_names;
  bad_names.names = tuple_of({"i" + i32(1)});
  require_error(load(bad_names.marshal(), Profile::kPy311), "FATAL/SystemError", "non-string", 0);

  // Code fields that are NULL make the loader fail with TypeError.
  Code311 null_field;
  null_field.consts = "0";
  require_error(load(null_field.marshal(), Profile::kPy311), "TypeError", "NULL object", 0);

  // The same bytes are not a 3.8 code object (different layout).
  BOOST_TEST(!load(Code311{}.marshal(), Profile::kPy38).loads());
}

BOOST_AUTO_TEST_CASE(slices_exist_only_from_python_3_14) {
  const std::string slice = ":NNN";
  BOOST_TEST(load(slice, Profile::kPy314).loads());
  require_error(load(slice, Profile::kPy311), "ValueError", "unknown type code", 0);
}

// Many code objects naming one localspluskinds by back-reference: its
// fast-local count is taken once, when the bytes are read, not by walking
// it again for every code object (which made the reader quadratic).
BOOST_AUTO_TEST_CASE(code_objects_sharing_localsplus_by_reference_cost_linear_time) {
  constexpr int kLocals = 4000, kCodes = 400;
  const char kFlag = static_cast<char>(0x80);
  Code311 first;  // refs: 0 the names tuple, 1 its one str, 2 the kinds bytes
  first.localsplusnames = std::string(1, static_cast<char>('(' | kFlag)) + i32(kLocals) +
                          static_cast<char>('z' | kFlag) + "\x01" "a";
  for (int i = 1; i < kLocals; ++i) first.localsplusnames += "r" + i32(1);
  first.localspluskinds = std::string(1, static_cast<char>('s' | kFlag)) + i32(kLocals) + std::string(kLocals, '\x20');
  Code311 shared;
  shared.localsplusnames = "r" + i32(0);
  shared.localspluskinds = "r" + i32(2);
  std::string data = "(" + i32(kCodes) + first.marshal();
  for (int i = 1; i < kCodes; ++i) data += shared.marshal();
  const LoadResult r = load(data, Profile::kPy311);
  BOOST_REQUIRE(r.loads());
  BOOST_TEST(r.consumed == data.size());
  // Walking the kinds per code object would be kCodes * kLocals = 1.6M steps.
  BOOST_TEST(r.steps <= 2 * data.size() + 1, r.steps << " steps for " << data.size() << " bytes");

  // The count read once is the one each code object is checked against.
  Code311 needs_one = shared;
  needs_one.argcount = kLocals + 1;  // one more argument than fast locals
  require_error(load("(" + i32(2) + first.marshal() + needs_one.marshal(), Profile::kPy311), "ValueError",
                "co_varnames is too small", 5 + first.marshal().size());
}
