#include "checkers/journal_ninja_deps.h"

#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "checkers/journal_sequential.h"
#include "core/byte_order.h"

namespace crashfs {
namespace {

constexpr std::string_view kDepsSignature = "# ninjadeps\n";
constexpr std::uint64_t kDepsHeaderSize = 16;
constexpr std::uint32_t kDepsVersion = 4;
constexpr std::uint64_t kMaxRecordSize = (1u << 19) - 1;
constexpr std::uint32_t kPlausibleIds = 1u << 24;  // loose check only

std::string deps_header() {
  std::string h(kDepsSignature);
  put_le<std::uint32_t>(h, kDepsVersion);
  return h;
}

struct RecordHead {
  bool is_deps = false;
  std::uint64_t size = 0;  // payload bytes
};

// The common part of every record: short, invalid size, or a payload.
// `explain`: fill in Frame::what (the loose checks skip it for speed).
Frame record_frame(std::string_view file, std::uint64_t offset, RecordHead& head, bool explain = true) {
  Frame f;
  const std::uint64_t remaining = file.size() - offset;
  if (remaining < 4) {
    f.kind = Frame::Kind::kShort;
    if (explain) f.what = "short record size field";
    return f;
  }
  const std::uint32_t raw = get_le<std::uint32_t>(file.data() + offset);
  head.is_deps = (raw >> 31) != 0;
  head.size = raw & 0x7FFFFFFFu;
  f.size = 4 + head.size;
  if (head.size > kMaxRecordSize) {
    f.kind = Frame::Kind::kInvalid;
    if (explain) f.what = "record size " + std::to_string(head.size) + " over the 512 KiB limit";
    return f;
  }
  if (head.size > remaining - 4) {
    f.kind = Frame::Kind::kShort;
    if (explain) f.what = "short record: " + std::to_string(remaining - 4) + " of " + std::to_string(head.size) + " bytes";
    return f;
  }
  if (head.size == 0) {
    f.kind = Frame::Kind::kInvalid;
    if (explain) f.what = "zero-size record";
    return f;
  }
  f.kind = Frame::Kind::kEntry;
  return f;
}

Frame invalid(Frame f, std::string what) {
  f.kind = Frame::Kind::kInvalid;
  f.what = std::move(what);
  return f;
}

Frame not_a_record(Frame f) {
  f.kind = Frame::Kind::kInvalid;
  return f;
}

std::string_view strip_padding(std::string_view path) {
  for (int i = 0; i < 3 && !path.empty() && path.back() == '\0'; ++i) path.remove_suffix(1);
  return path;
}

// The paths one line of checkpoints recorded, by id: a checkpoint that
// read `nodes` path records knows exactly ids [0, nodes).  Shared by every
// checkpoint of the line, so each path is held once (a set per checkpoint
// would make a file's checkpoints quadratic).  Reading on from a
// checkpoint appends at id `nodes` in place, which no checkpoint with
// fewer ids sees; when the log already holds another path at that id (the
// line forked: a later version of the file differs there), the ids before
// it are copied into a new log.
class PathIds {
 public:
  bool known(std::string_view path, std::uint64_t nodes) const {
    const auto it = ids_.find(path);
    return it != ids_.end() && it->second < nodes;
  }

  // `log` with `path` at id `id`; `log` holds at least `id` ids.
  static void record(std::shared_ptr<PathIds>& log, std::uint64_t id, std::string_view path) {
    if (!log) log = std::make_shared<PathIds>();
    if (log->by_id_.size() > id) {
      if (*log->by_id_[id] == path) return;  // the same line again
      auto fork = std::make_shared<PathIds>();
      for (std::uint64_t i = 0; i < id; ++i) fork->add(*log->by_id_[i]);
      log = std::move(fork);
    }
    log->add(path);
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  void add(std::string_view path) {
    const auto it = ids_.emplace(std::string(path), static_cast<std::uint32_t>(by_id_.size())).first;
    by_id_.push_back(&it->first);  // node-based map: the key stays put
  }

  std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> ids_;
  std::vector<const std::string*> by_id_;
};

// The reader's state: the path ids it knows.  `log` may grow past `nodes`
// (other checkpoints of the line); what this checkpoint sees does not.
struct DepsState : ReaderState {
  DepsState(std::shared_ptr<PathIds> l, std::uint64_t n) : log(std::move(l)), nodes(n) {}
  std::shared_ptr<PathIds> log;
  std::uint64_t nodes;
};

class NinjaDepsReader : public SequentialReader {
 public:
  // `share`: record new paths in the checkpoint's log (the reader makes
  // checkpoints); else in a set of its own, so that reading a state's
  // damaged tail leaves the line's log alone.
  NinjaDepsReader(const ReaderCheckpoint& from, bool share) : base_(from.offset), share_(share) {
    if (const auto* s = state_of<DepsState>(from)) {
      log_ = s->log;
      nodes_ = logged_ = s->nodes;
      state_ = from.state;
    }
  }

  Frame next(std::string_view file, std::uint64_t offset) override {
    if (base_ + offset == 0) return header(file);
    RecordHead head;
    Frame f = record_frame(file, offset, head);
    if (f.kind != Frame::Kind::kEntry) return f;
    const char* p = file.data() + offset + 4;
    if (head.is_deps) {
      if (head.size % 4 != 0) return invalid(f, "deps record size not a multiple of 4");
      if (head.size < 12) return invalid(f, "deps record under 12 bytes");
      const std::int32_t out_id = get_le<std::int32_t>(p);
      for (std::uint64_t i = 12; i < head.size; i += 4) {
        const std::int32_t id = get_le<std::int32_t>(p + i);
        if (id < 0 || static_cast<std::uint64_t>(id) >= nodes_)
          return invalid(f, "input id " + std::to_string(id) + " is not a known path");
      }
      if (out_id < 0 || static_cast<std::uint64_t>(out_id) >= nodes_)
        f.suspect = "output id " + std::to_string(out_id) + " is not a known path";
      return f;
    }
    if (head.size <= 4) return invalid(f, "path record without a path");
    const std::uint32_t checksum = get_le<std::uint32_t>(p + head.size - 4);
    if (~checksum != nodes_)
      return invalid(f, "path record checksum says id " + std::to_string(~checksum) + ", expected " + std::to_string(nodes_));
    const std::string_view path = strip_padding(std::string_view(p, head.size - 4));
    if (known(path)) return invalid(f, "path recorded twice");
    if (share_) {
      PathIds::record(log_, nodes_, path);
      logged_ = nodes_ + 1;
    } else {
      paths_.insert(std::string(path));
    }
    ++nodes_;
    if (head.size % 4 != 0 || path.empty() || path.find('\0') != std::string_view::npos)
      f.suspect = "path record not padded the way ninja writes it";
    return f;
  }

  Frame loose_frame(std::string_view file, std::uint64_t offset) const override {
    RecordHead head;
    Frame f = record_frame(file, offset, head, false);
    if (f.kind != Frame::Kind::kEntry) return f;
    const char* p = file.data() + offset + 4;
    if (head.size % 4 != 0) return not_a_record(f);
    if (head.is_deps) {
      if (head.size < 12) return not_a_record(f);
      for (std::uint64_t i = 0; i < head.size; i += 4) {
        if (i == 4 || i == 8) continue;  // mtime
        if (get_le<std::uint32_t>(p + i) >= kPlausibleIds) return not_a_record(f);
      }
      return f;
    }
    if (head.size < 8 || ~get_le<std::uint32_t>(p + head.size - 4) >= kPlausibleIds) return not_a_record(f);
    const std::string_view path = strip_padding(std::string_view(p, head.size - 4));
    if (path.empty() || path.find('\0') != std::string_view::npos) return not_a_record(f);
    return f;
  }

  // A new state object only after a path record.
  std::shared_ptr<const ReaderState> state() override {
    if (nodes_ == 0) return nullptr;
    if (!state_ || static_cast<const DepsState&>(*state_).nodes != nodes_)
      state_ = std::make_shared<DepsState>(log_, nodes_);
    return state_;
  }

 private:
  bool known(std::string_view path) const {
    return (log_ && log_->known(path, logged_)) || paths_.count(path) > 0;
  }

  static Frame header(std::string_view file) {
    static const std::string expected = deps_header();
    Frame f;
    f.size = kDepsHeaderSize;
    const std::string_view have = file.substr(0, kDepsHeaderSize);
    if (have.size() < kDepsHeaderSize) {
      f.kind = std::string_view(expected).substr(0, have.size()) == have ? Frame::Kind::kShort : Frame::Kind::kInvalid;
      f.what = "short header";
      return f;
    }
    if (have != expected) return invalid(f, "bad deps log signature or version");
    f.kind = Frame::Kind::kEntry;
    return f;
  }

  std::uint64_t base_;
  bool share_;
  std::uint64_t nodes_ = 0;
  std::shared_ptr<PathIds> log_;
  std::uint64_t logged_ = 0;  // ids [0, logged_) are in log_
  std::set<std::string, std::less<>> paths_;  // the rest
  std::shared_ptr<const ReaderState> state_;
};

class NinjaDepsFormat : public JournalFormat {
 public:
  std::string name() const override { return "ninja-deps"; }
  bool detects_torn_payload() const override { return false; }
  std::size_t header_entries() const override { return 1; }
  JournalParse parse_from(const ReaderCheckpoint& from, std::string_view tail,
                          std::vector<ReaderCheckpoint>* checkpoints) const override {
    NinjaDepsReader reader(from, checkpoints != nullptr);
    SequentialResponses responses;
    responses.short_mid = ReaderResponse::kTruncate;
    responses.invalid_mid = ReaderResponse::kTruncate;
    responses.invalid_tail = ReaderResponse::kTruncate;
    JournalParse out = parse_sequential(from, tail, reader, responses, checkpoints);
    // A bad header is not truncated but deleted: the whole log starts over.
    if (from.offset == 0 && !out.damage.empty() && out.damage.front().offset == 0 &&
        out.damage.front().response != ReaderResponse::kTrim) {
      out.damage.front().response = ReaderResponse::kReset;
      out.entries.clear();
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<JournalFormat> make_ninja_deps_format() { return std::make_unique<NinjaDepsFormat>(); }

}  // namespace crashfs
