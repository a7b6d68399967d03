#include "checkers/marshal_reader.h"

#include <array>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "checkers/marshal_text.h"

namespace crashfs::marshal {

std::string_view to_string(Profile profile) {
  switch (profile) {
    case Profile::kPy2: return "py2";
    case Profile::kPy30: return "py30";
    case Profile::kPy34: return "py34";
    case Profile::kPy38: return "py38";
    case Profile::kPy311: return "py311";
    case Profile::kPy314: return "py314";
  }
  return "?";
}

std::string_view to_string(Kind kind) {
  switch (kind) {
    case Kind::kNull: return "NULL";
    case Kind::kSingleton: return "singleton";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kComplex: return "complex";
    case Kind::kBytes: return "bytes";
    case Kind::kStr: return "str";
    case Kind::kTuple: return "tuple";
    case Kind::kList: return "list";
    case Kind::kDict: return "dict";
    case Kind::kSet: return "set";
    case Kind::kFrozenset: return "frozenset";
    case Kind::kCode: return "code";
    case Kind::kSlice: return "slice";
  }
  return "?";
}

namespace {

constexpr int kMaxDepth = 2000;  // MAX_MARSHAL_STACK_DEPTH
constexpr std::int64_t kCoVarargs = 0x4, kCoVarkeywords = 0x8;
constexpr unsigned char kCoFastLocal = 0x20;  // 3.11+ localspluskinds bit

// An object as far as the interpreter's later checks look at it.  Objects
// live in Reader::objects_ and are named by index, so a back-reference to a
// tuple still being read sees it grow, as it does in CPython.
struct Obj {
  Kind kind = Kind::kNull;
  bool hashable = true;
  std::uint32_t length = 0;           // bytes/str: payload bytes; tuple: items read so far
  std::uint32_t non_str_items = 0;    // tuple: items that are not str
  std::uint32_t non_bytes_items = 0;  // tuple: items that are not bytes
  // bytes (3.11+): how many bytes have the CO_FAST_LOCAL bit, counted once
  // when read (a localspluskinds field may be a back-reference, read by
  // every code object that names it: walking it each time is quadratic).
  std::uint32_t fast_locals = 0;
};

Obj of(Kind kind, bool hashable = true, std::uint32_t length = 0) {
  Obj obj;
  obj.kind = kind;
  obj.hashable = hashable;
  obj.length = length;
  return obj;
}

using ObjId = std::uint32_t;
constexpr ObjId kNullObj = 0;       // TYPE_NULL ('0'): no object
constexpr ObjId kSingletonObj = 1;  // None, False, True, StopIteration, Ellipsis
constexpr ObjId kPendingRef = ~ObjId{0};  // a reserved ref slot whose object has not ended

struct Failure {
  LoadError error;
};

// Code object layouts: 'L' a 4-byte int, 'O' a nested object, and the kinds
// PyCode_New / _PyCode_Validate demand of the 'O' fields, in order.
struct CodeLayout {
  std::string_view fields;
  std::array<Kind, 10> kinds;
  std::size_t object_count;
};

constexpr Kind B = Kind::kBytes, S = Kind::kStr, T = Kind::kTuple;
// 2.x: argcount nlocals stacksize flags | code consts names varnames freevars
//      cellvars filename name | firstlineno | lnotab
constexpr CodeLayout kPy2Code{"LLLLOOOOOOOOLO", {B, T, T, T, T, T, B, B, B}, 9};
// 3.0-3.7: argcount kwonlyargcount nlocals stacksize flags | (same 8) | firstlineno | lnotab
constexpr CodeLayout kPy30Code{"LLLLLOOOOOOOOLO", {B, T, T, T, T, T, S, S, B}, 9};
// 3.8-3.10: argcount posonlyargcount kwonlyargcount nlocals stacksize flags | ...
constexpr CodeLayout kPy38Code{"LLLLLLOOOOOOOOLO", {B, T, T, T, T, T, S, S, B}, 9};
// 3.11+: argcount posonly kwonly stacksize flags | code consts names
//        localsplusnames localspluskinds filename name qualname | firstlineno |
//        linetable exceptiontable
constexpr CodeLayout kPy311Code{"LLLLLOOOOOOOOLOO", {B, T, T, T, B, S, S, S, B, B}, 10};

const CodeLayout& code_layout(Profile profile) {
  switch (profile) {
    case Profile::kPy2: return kPy2Code;
    case Profile::kPy30:
    case Profile::kPy34: return kPy30Code;
    case Profile::kPy38: return kPy38Code;
    case Profile::kPy311:
    case Profile::kPy314: return kPy311Code;
  }
  return kPy311Code;
}

class Reader {
 public:
  Reader(std::string_view data, Profile profile) : data_(data), profile_(profile) {
    objects_.push_back(of(Kind::kNull));
    objects_.push_back(of(Kind::kSingleton));
  }

  std::size_t position() const { return pos_; }
  std::size_t steps() const { return steps_; }
  const Obj& at(ObjId id) const { return objects_[id]; }

  // r_object(): one object, or kNullObj for TYPE_NULL; throws Failure.
  ObjId object() {
    const std::size_t start = pos_;
    const int code = byte();
    if (code < 0) fail("EOFError", "EOF read where object expected", start);
    ++steps_;
    if (++depth_ > kMaxDepth) fail("ValueError", "recursion limit exceeded", start);
    // Before marshal v3 (3.4) there is no FLAG_REF: a high bit makes an unknown type.
    const bool refs = has_refs();
    const ObjId id = dispatch(refs ? (code & 0x7F) : code, refs && (code & 0x80), start);
    --depth_;
    return id;
  }

 private:
  bool has_refs() const { return profile_ >= Profile::kPy34; }
  bool is_py2() const { return profile_ == Profile::kPy2; }

  // Out of line and taking C strings: every call site on the recursive path
  // (object, dispatch, the containers) would otherwise keep std::string
  // temporaries in its frame, and sanitizer builds give each its own slot:
  // 4 KiB a nesting level, a stack overflow before the 2000-level limit.
  [[noreturn, gnu::noinline, gnu::cold]] static void fail(const char* exception, const char* message,
                                                           std::size_t offset) {
    throw Failure{LoadError{exception, message, offset}};
  }
  [[noreturn, gnu::noinline, gnu::cold]] static void fail(const char* exception, const std::string& message,
                                                           std::size_t offset) {
    throw Failure{LoadError{exception, message, offset}};
  }

  // -- primitives ------------------------------------------------------
  std::string_view need(std::int64_t n) {
    if (n < 0 || static_cast<std::uint64_t>(n) > data_.size() - pos_)
      fail("EOFError", "marshal data too short", pos_);
    std::string_view out = data_.substr(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    steps_ += static_cast<std::size_t>(n);
    return out;
  }
  int byte() { return pos_ < data_.size() ? static_cast<unsigned char>(data_[pos_++]) : -1; }
  std::int32_t long32() {
    std::string_view b = need(4);
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[static_cast<std::size_t>(i)]);
    return static_cast<std::int32_t>(v);
  }
  [[gnu::noinline]] std::int32_t size(std::string_view what) {
    const std::int32_t n = long32();
    if (n < 0) fail("ValueError", fmt::format("bad marshal data ({} size out of range)", what), pos_);
    return n;
  }

  // -- object construction ---------------------------------------------
  ObjId make(Obj obj) {
    objects_.push_back(obj);
    return static_cast<ObjId>(objects_.size() - 1);
  }
  // A complete object; a flagged one takes the next ref slot.
  ObjId leaf(Obj obj, bool flag) {
    const ObjId id = make(obj);
    if (flag) refs_.push_back(id);
    return id;
  }
  // Code, frozenset and slice take their slot when read starts but fill it
  // only when they end: a ref to them meanwhile is invalid.
  std::optional<std::size_t> reserve(bool flag) {
    if (!flag) return std::nullopt;
    refs_.push_back(kPendingRef);
    return refs_.size() - 1;
  }
  void fill(std::optional<std::size_t> slot, ObjId id) {
    if (slot) refs_[*slot] = id;
  }

  // The containers, which recurse, are read from this small frame; every
  // other type from scalar(), whose frame is gone before any recursion.
  ObjId dispatch(int type, bool flag, std::size_t start) {
    switch (type) {
      case '(': return tuple(size("tuple"), flag, start);
      case ')':
        if (has_refs()) {
          // r_byte() at EOF gives EOF, which the (unsigned char) cast makes 255;
          // the items then run into EOF themselves.
          const int n = byte();
          return tuple(n < 0 ? 255 : n, flag, start);
        }
        break;
      case '[': return list(flag, start);
      case '{': return dict(flag, start);
      case '<': case '>': return set(type == '>', flag, start);
      case ':':
        if (profile_ == Profile::kPy314) return slice(flag, start);
        break;
      case 'c': return code(flag, start);
      default: break;
    }
    return scalar(type, flag, start);
  }

  [[gnu::noinline]] ObjId scalar(int type, bool flag, std::size_t start) {
    switch (type) {
      case '0': return kNullObj;  // no ref even if flagged
      case 'N': case 'F': case 'T': case 'S': case '.': return kSingletonObj;
      case 'i': need(4); return leaf(of(Kind::kInt), flag);
      case 'I': need(8); return leaf(of(Kind::kInt), flag);
      case 'l': read_long_digits(start); return leaf(of(Kind::kInt), flag);
      case 'f': read_text_floats(1, start); return leaf(of(Kind::kFloat), flag);
      case 'x': read_text_floats(2, start); return leaf(of(Kind::kComplex), flag);
      case 'g': need(8); return leaf(of(Kind::kFloat), flag);
      case 'y': need(16); return leaf(of(Kind::kComplex), flag);
      case 's': {
        const std::int32_t n = size(is_py2() ? "string" : "bytes object");
        return leaf(bytes_object(need(n)), flag);
      }
      case 't':
        if (is_py2()) {  // interned str, appended to the strings table 'R' indexes
          const std::int32_t n = size("string");
          const ObjId id = make(bytes_object(need(n)));
          strings_.push_back(id);
          return id;
        }
        return text(flag, start);
      case 'u': return text(flag, start);
      case 'R':
        if (is_py2()) {
          const std::int32_t n = long32();
          if (n < 0 || static_cast<std::size_t>(n) >= strings_.size())
            fail("ValueError", "bad marshal data (string ref out of range)", start);
          return strings_[static_cast<std::size_t>(n)];
        }
        break;
      case 'a': case 'A':
        if (has_refs()) {
          const std::int32_t n = size("string");
          need(n);
          return leaf(of(Kind::kStr, true, static_cast<std::uint32_t>(n)), flag);
        }
        break;
      case 'z': case 'Z':
        if (has_refs()) {
          const int n = byte();
          if (n < 0) fail("EOFError", "EOF read where object expected", start);
          need(n);
          return leaf(of(Kind::kStr, true, static_cast<std::uint32_t>(n)), flag);
        }
        break;
      case 'r':
        if (has_refs()) {
          const std::int32_t n = long32();
          if (n < 0 || static_cast<std::size_t>(n) >= refs_.size() || refs_[static_cast<std::size_t>(n)] == kPendingRef)
            fail("ValueError", "bad marshal data (invalid reference)", start);
          return refs_[static_cast<std::size_t>(n)];
        }
        break;
      default: break;  // containers (dispatch), or unknown
    }
    fail("ValueError", "bad marshal data (unknown type code)", start);
  }

  Obj bytes_object(std::string_view payload) {
    Obj obj = of(Kind::kBytes, true, static_cast<std::uint32_t>(payload.size()));
    if (profile_ >= Profile::kPy311) {
      for (const char k : payload) obj.fast_locals += (static_cast<unsigned char>(k) & kCoFastLocal) ? 1 : 0;
      steps_ += payload.size();
    }
    return obj;
  }

  void read_long_digits(std::size_t start) {
    const std::int32_t n = long32();
    if (n == 0) return;
    if (n == INT32_MIN) fail("ValueError", "bad marshal data (long size out of range)", start);
    const std::int64_t digits = n < 0 ? -static_cast<std::int64_t>(n) : n;
    for (std::int64_t j = 0; j < digits; ++j) {  // bounded: each digit consumes 2 bytes
      const std::string_view d = need(2);
      const auto digit = static_cast<std::int16_t>(static_cast<unsigned char>(d[0]) |
                                                   (static_cast<unsigned char>(d[1]) << 8));
      if (digit < 0) fail("ValueError", "bad marshal data (digit out of range in long)", start);
      if (digit == 0 && j == digits - 1) fail("ValueError", "bad marshal data (unnormalized long data)", start);
    }
  }

  void read_text_floats(int count, std::size_t start) {
    for (int i = 0; i < count; ++i) {
      const int n = byte();
      if (n < 0) fail("EOFError", "EOF read where object expected", start);
      if (!is_python_float_text(need(n))) fail("ValueError", "could not convert string to float", start);
    }
  }

  ObjId text(bool flag, std::size_t start) {
    const std::int32_t n = size(is_py2() ? "unicode" : "string");
    if (!is_utf8_surrogatepass(need(n))) fail("UnicodeDecodeError", "invalid utf-8", start);
    return leaf(of(Kind::kStr, true, static_cast<std::uint32_t>(n)), flag);
  }

  ObjId tuple(std::int64_t n, bool flag, std::size_t start) {
    const ObjId id = make(of(Kind::kTuple));
    if (flag) refs_.push_back(id);  // registered before its items
    for (std::int64_t i = 0; i < n; ++i) {  // bounded: each item consumes >= 1 byte
      const ObjId item = object();
      if (item == kNullObj) fail("TypeError", "NULL object in marshal data for tuple", start);
      const Obj child = objects_[item];
      Obj& self = objects_[id];
      ++self.length;
      if (child.kind != Kind::kStr) ++self.non_str_items;
      if (child.kind != Kind::kBytes) ++self.non_bytes_items;
      self.hashable = self.hashable && child.hashable;
    }
    return id;
  }

  ObjId list(bool flag, std::size_t start) {
    const std::int32_t n = size("list");
    const ObjId id = make(of(Kind::kList, false));
    if (flag) refs_.push_back(id);
    for (std::int32_t i = 0; i < n; ++i)
      if (object() == kNullObj) fail("TypeError", "NULL object in marshal data for list", start);
    return id;
  }

  ObjId dict(bool flag, std::size_t start) {
    const ObjId id = make(of(Kind::kDict, false));
    if (flag) refs_.push_back(id);
    for (;;) {  // bounded: each key consumes >= 1 byte
      const ObjId key = object();
      if (key == kNullObj) break;
      const ObjId value = object();
      if (value == kNullObj) {
        if (is_py2()) continue;  // 2.x skips a NULL value and reads on
        break;                   // 3.x: a NULL value silently ends the dict
      }
      if (!objects_[key].hashable) fail("TypeError", "unhashable dict key", start);
    }
    return id;
  }

  ObjId set(bool frozen, bool flag, std::size_t start) {
    const std::int32_t n = size("set");
    const ObjId id = make(of(frozen ? Kind::kFrozenset : Kind::kSet, frozen));
    std::optional<std::size_t> slot;
    if (frozen)
      slot = reserve(flag);  // frozensets register when complete
    else if (flag)
      refs_.push_back(id);
    for (std::int32_t i = 0; i < n; ++i) {
      const ObjId item = object();
      if (item == kNullObj) fail("TypeError", "NULL object in marshal data for set", start);
      if (!objects_[item].hashable) fail("TypeError", "unhashable set element", start);
    }
    fill(slot, id);
    return id;
  }

  ObjId slice(bool flag, std::size_t start) {
    const auto slot = reserve(flag);
    for (int i = 0; i < 3; ++i)
      if (object() == kNullObj) fail("TypeError", "NULL object in marshal data for slice", start);
    const ObjId id = make(of(Kind::kSlice));
    fill(slot, id);
    return id;
  }

  ObjId code(bool flag, std::size_t start) {
    const auto slot = has_refs() ? reserve(flag) : std::nullopt;
    const CodeLayout& layout = code_layout(profile_);
    std::array<std::int64_t, 8> ints{};
    std::array<ObjId, 10> objs{};
    std::size_t n_ints = 0, n_objs = 0;
    for (const char field : layout.fields) {
      if (field == 'L') {
        ints[n_ints++] = long32();
      } else {
        const ObjId item = object();
        if (item == kNullObj) fail("TypeError", "NULL object in marshal data (code field)", start);
        objs[n_objs++] = item;
      }
    }
    check_code_kinds(layout, objs, start);
    validate_code_counts(ints, objs, start);
    const ObjId id = make(of(Kind::kCode));
    fill(slot, id);
    return id;
  }

  [[gnu::noinline]] void check_code_kinds(const CodeLayout& layout, const std::array<ObjId, 10>& objs,
                                         std::size_t start) {
    for (std::size_t i = 0; i < layout.object_count; ++i) {
      const Kind got = objects_[objs[i]].kind;
      if (got != layout.kinds[i])
        fail("SystemError",
             fmt::format("bad argument to internal function (code field is {}, want {})", to_string(got),
                         to_string(layout.kinds[i])),
             start);
    }
  }

  // What PyCode_New / _PyCode_Validate check beyond field kinds, per generation.
  [[gnu::noinline]] void validate_code_counts(const std::array<std::int64_t, 8>& ints, const std::array<ObjId, 10>& objs,
                            std::size_t start) {
    const auto bad_argument = [&] { fail("SystemError", "bad argument to internal function", start); };
    std::array<ObjId, 4> name_tuples{};
    std::size_t n_name_tuples = 0;
    Kind name_kind = Kind::kStr;
    if (profile_ == Profile::kPy2) {
      const std::int64_t argcount = ints[0], nlocals = ints[1];
      if (argcount < 0 || nlocals < 0) bad_argument();
      name_tuples = {objs[2], objs[3], objs[4], objs[5]};
      n_name_tuples = 4;
      name_kind = Kind::kBytes;
    } else if (profile_ <= Profile::kPy38) {
      std::int64_t argcount, kwonly, flags;
      if (profile_ == Profile::kPy38) {
        const std::int64_t posonly = ints[1], nlocals = ints[3], stacksize = ints[4];
        argcount = ints[0], kwonly = ints[2], flags = ints[5];
        if (argcount < posonly || posonly < 0 || kwonly < 0 || nlocals < 0 || stacksize < 0 || flags < 0)
          bad_argument();
      } else {
        const std::int64_t nlocals = ints[2];
        argcount = ints[0], kwonly = ints[1], flags = ints[4];
        if (argcount < 0 || kwonly < 0 || nlocals < 0) bad_argument();
      }
      const std::int64_t needed =
          argcount + kwonly + ((flags & kCoVarargs) ? 1 : 0) + ((flags & kCoVarkeywords) ? 1 : 0);
      if (needed > objects_[objs[3]].length) fail("ValueError", "code: varnames is too small", start);
      name_tuples = {objs[2], objs[3], objs[4], objs[5]};
      n_name_tuples = 4;
    } else {  // 3.11+
      const std::int64_t argcount = ints[0], posonly = ints[1], kwonly = ints[2], stacksize = ints[3],
                         flags = ints[4];
      if (argcount < posonly || posonly < 0 || kwonly < 0 || stacksize < 0 || flags < 0) bad_argument();
      const Obj& bytecode = objects_[objs[0]];
      const Obj& names = objects_[objs[3]];
      const Obj& kinds = objects_[objs[4]];
      if (names.length != kinds.length)
        fail("SystemError", "bad argument to internal function (localsplus names/kinds)", start);
      if (bytecode.length % 2) fail("ValueError", "code: co_code is malformed", start);
      const std::int64_t nlocals = kinds.fast_locals;
      if (nlocals - argcount - kwonly - ((flags & kCoVarargs) ? 1 : 0) - ((flags & kCoVarkeywords) ? 1 : 0) < 0)
        fail("ValueError", "code: co_varnames is too small", start);
      name_tuples = {objs[2], objs[3]};
      n_name_tuples = 2;
    }
    // intern_strings(): Py_FatalError up to 3.8 and in 2.x, SystemError from 3.9.
    for (std::size_t i = 0; i < n_name_tuples; ++i) {
      const Obj& tuple = objects_[name_tuples[i]];
      if ((name_kind == Kind::kStr ? tuple.non_str_items : tuple.non_bytes_items) != 0)
        fail("FATAL/SystemError", "non-string found in code slot", start);
    }
  }

  std::string_view data_;
  Profile profile_;
  std::size_t pos_ = 0;
  std::size_t steps_ = 0;
  int depth_ = 0;
  std::vector<Obj> objects_;
  std::vector<ObjId> refs_;     // FLAG_REF slots (3.4+)
  std::vector<ObjId> strings_;  // interned strings (2.x)
};

}  // namespace

LoadResult load(std::string_view data, Profile profile) {
  Reader reader(data, profile);
  LoadResult result;
  try {
    const ObjId id = reader.object();
    result.consumed = reader.position();
    result.steps = reader.steps();
    if (id == kNullObj)
      result.error = LoadError{"TypeError", "NULL object in marshal data for object", 0};
    else
      result.kind = reader.at(id).kind;
  } catch (const Failure& failure) {
    result.error = failure.error;
    result.consumed = reader.position();
    result.steps = reader.steps();
  }
  return result;
}

}  // namespace crashfs::marshal
