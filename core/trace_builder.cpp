#include "core/trace_builder.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/trace_codec.h"
#include "core/trace_format.h"

namespace crashfs {
namespace {

constexpr std::int64_t kBaseTime = 1'700'000'000'000'000'000;
constexpr std::uint32_t kOTrunc = 01000;  // Linux O_TRUNC

}  // namespace

TraceBuilder::TraceBuilder(std::string recorded_dir) {
  Record& session = emit(RecordType::kSession);
  session.data = keep(fmt::format(R"({{"dir":"{}","command":["builder"],"crashfs":"test"}})", recorded_dir));
  as_process(pid_, "builder");
  Record& root = emit(RecordType::kKnown);
  root.node = kRootNode;
  root.kind = NodeKind::kDirectory;
  root.mode = 040755;
  paths_[""] = kRootNode;
  nodes_[kRootNode] = NodeInfo{NodeKind::kDirectory, 0, true, false, {}};
}

std::string_view TraceBuilder::keep(std::string_view bytes) {
  storage_->emplace_back(bytes);
  return storage_->back();
}

Record& TraceBuilder::emit(RecordType type) {
  Record rec;
  rec.type = type;
  rec.seq = next_seq_++;
  rec.time_ns = kBaseTime + static_cast<std::int64_t>(rec.seq) * 1000;
  rec.pid = pid_;
  rec.tid = pid_;
  records_.push_back(rec);
  return records_.back();
}

TraceBuilder& TraceBuilder::add(Record rec) {
  if (rec.seq == 0) rec.seq = next_seq_;
  next_seq_ = std::max(next_seq_, rec.seq + 1);
  if (rec.time_ns == 0) rec.time_ns = kBaseTime + static_cast<std::int64_t>(rec.seq) * 1000;
  if (rec.pid == 0 && rec.tid == 0) rec.pid = rec.tid = pid_;
  records_.push_back(rec);
  return *this;
}

TraceBuilder& TraceBuilder::as_process(std::uint32_t pid, std::string_view comm) {
  pid_ = pid;
  emit(RecordType::kProcessInfo).data = keep(comm);
  return *this;
}

NodeId TraceBuilder::require(std::string_view path) const {
  auto it = paths_.find(std::string(path));
  if (it == paths_.end()) throw std::invalid_argument(fmt::format("TraceBuilder: no entry '{}'", path));
  return it->second;
}

NodeId TraceBuilder::node(std::string_view path) const { return require(path); }

std::pair<NodeId, std::string_view> TraceBuilder::parent_and_name(std::string_view path) {
  const auto slash = path.rfind('/');
  const std::string_view parent = slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const NodeId dir = require(parent);
  if (nodes_[dir].kind != NodeKind::kDirectory) {
    throw std::invalid_argument(fmt::format("TraceBuilder: '{}' is not a directory", parent));
  }
  return {dir, keep(name)};
}

NodeId TraceBuilder::add_known(std::string_view path, NodeKind kind, std::uint32_t mode, std::uint64_t size,
                               std::string_view data) {
  if (exists(path)) throw std::invalid_argument(fmt::format("TraceBuilder: '{}' already exists", path));
  auto [parent, name] = parent_and_name(path);
  const NodeId id = next_node_++;
  Record& rec = emit(RecordType::kKnown);
  rec.node = id;
  rec.parent = parent;
  rec.name = name;
  rec.kind = kind;
  rec.mode = mode;
  rec.length = size;
  rec.mtime_ns = kBaseTime - 1'000'000'000;
  rec.data = data;
  paths_[std::string(path)] = id;
  nodes_[id] = NodeInfo{kind, size, true, false, {}};
  return id;
}

TraceBuilder& TraceBuilder::existing_dir(std::string_view path, std::uint32_t mode) {
  add_known(path, NodeKind::kDirectory, mode, 0, {});
  return *this;
}

TraceBuilder& TraceBuilder::existing_file(std::string_view path, std::string content, std::uint32_t mode) {
  const NodeId id = add_known(path, NodeKind::kFile, mode, content.size(), {});
  nodes_[id].original = std::move(content);
  return *this;
}

TraceBuilder& TraceBuilder::existing_symlink(std::string_view path, std::string target) {
  const NodeId id = add_known(path, NodeKind::kSymlink, 0120777, target.size(), keep(target));
  nodes_[id].original = std::move(target);
  return *this;
}

TraceBuilder& TraceBuilder::existing_special(std::string_view path, std::uint32_t mode, std::uint64_t rdev) {
  add_known(path, NodeKind::kSpecial, mode, 0, {});
  records_.back().rdev = rdev;
  return *this;
}

TraceBuilder& TraceBuilder::existing_link(std::string_view existing, std::string_view new_path) {
  const NodeId id = require(existing);
  if (exists(new_path)) throw std::invalid_argument(fmt::format("TraceBuilder: '{}' already exists", new_path));
  const Record* first = nullptr;
  for (const Record& r : records_)
    if (r.type == RecordType::kKnown && r.node == id) first = &r;
  if (first == nullptr || nodes_[id].kind == NodeKind::kDirectory) {
    throw std::invalid_argument(fmt::format("TraceBuilder: '{}' is not a pre-existing non-directory", existing));
  }
  Record copy = *first;
  auto [parent, name] = parent_and_name(new_path);
  Record& rec = emit(RecordType::kKnown);
  const Seq seq = rec.seq;
  const std::int64_t time = rec.time_ns;
  rec = copy;
  rec.seq = seq;
  rec.time_ns = time;
  rec.parent = parent;
  rec.name = name;
  paths_[std::string(new_path)] = id;
  return *this;
}

TraceBuilder& TraceBuilder::existing_xattr(std::string_view path, std::string_view name, std::string_view value) {
  const NodeId id = require(path);
  Record& rec = emit(RecordType::kKnownXattr);
  rec.node = id;
  rec.name = keep(name);
  rec.data = keep(value);
  return *this;
}

NodeId TraceBuilder::new_entry(std::string_view path, NodeKind kind) {
  if (exists(path)) throw std::invalid_argument(fmt::format("TraceBuilder: '{}' already exists", path));
  const NodeId id = next_node_++;
  paths_[std::string(path)] = id;
  nodes_[id] = NodeInfo{kind, 0, false, false, {}};
  return id;
}

TraceBuilder& TraceBuilder::create(std::string_view path, std::uint32_t mode, std::uint32_t open_flags) {
  auto [parent, name] = parent_and_name(path);
  const NodeId id = new_entry(path, NodeKind::kFile);
  Record& rec = emit(RecordType::kCreate);
  rec.node = id;
  rec.parent = parent;
  rec.name = name;
  rec.fh = id;
  rec.mode = mode;
  rec.flags = open_flags;
  return *this;
}

TraceBuilder& TraceBuilder::mkdir(std::string_view path, std::uint32_t mode) {
  auto [parent, name] = parent_and_name(path);
  const NodeId id = new_entry(path, NodeKind::kDirectory);
  Record& rec = emit(RecordType::kMkdir);
  rec.node = id;
  rec.parent = parent;
  rec.name = name;
  rec.mode = mode;
  return *this;
}

TraceBuilder& TraceBuilder::mknod(std::string_view path, std::uint32_t mode) {
  auto [parent, name] = parent_and_name(path);
  const NodeId id = new_entry(path, NodeKind::kSpecial);
  Record& rec = emit(RecordType::kMknod);
  rec.node = id;
  rec.parent = parent;
  rec.name = name;
  rec.mode = mode;
  return *this;
}

TraceBuilder& TraceBuilder::symlink(std::string_view path, std::string_view target) {
  auto [parent, name] = parent_and_name(path);
  const NodeId id = new_entry(path, NodeKind::kSymlink);
  nodes_[id].size = target.size();
  Record& rec = emit(RecordType::kSymlink);
  rec.node = id;
  rec.parent = parent;
  rec.name = name;
  rec.data = keep(target);
  return *this;
}

TraceBuilder& TraceBuilder::link(std::string_view existing, std::string_view new_path) {
  const NodeId id = require(existing);
  if (exists(new_path)) throw std::invalid_argument(fmt::format("TraceBuilder: '{}' already exists", new_path));
  auto [parent, name] = parent_and_name(new_path);
  paths_[std::string(new_path)] = id;
  Record& rec = emit(RecordType::kLink);
  rec.node = id;
  rec.new_parent = parent;
  rec.new_name = name;
  return *this;
}

int TraceBuilder::link_count(NodeId node) const {
  return static_cast<int>(std::count_if(paths_.begin(), paths_.end(), [&](const auto& p) { return p.second == node; }));
}

void TraceBuilder::pre_image(NodeId node) {
  NodeInfo& info = nodes_[node];
  if (!info.pre_existing || info.pre_imaged || info.kind != NodeKind::kFile) return;
  info.pre_imaged = true;
  const std::string_view content = keep(info.original);
  std::uint64_t offset = 0;
  do {
    const std::uint64_t n = std::min<std::uint64_t>(content.size() - offset, kMaxDataChunk);
    Record& rec = emit(RecordType::kPreImage);
    rec.node = node;
    rec.offset = offset;
    rec.data = content.substr(offset, n);
    offset += n;
  } while (offset < content.size());
}

void TraceBuilder::drop_path(std::string_view path) {
  const std::string prefix = std::string(path) + "/";
  paths_.erase(std::string(path));
  for (auto it = paths_.lower_bound(prefix); it != paths_.end() && it->first.starts_with(prefix);) it = paths_.erase(it);
}

void TraceBuilder::move_paths(const std::string& from, const std::string& to) {
  std::vector<std::pair<std::string, NodeId>> moved;
  const std::string prefix = from + "/";
  for (auto it = paths_.lower_bound(from); it != paths_.end() && (it->first == from || it->first.starts_with(prefix));) {
    moved.emplace_back(to + it->first.substr(from.size()), it->second);
    it = paths_.erase(it);
  }
  for (auto& [p, n] : moved) paths_[p] = n;
}

TraceBuilder& TraceBuilder::unlink(std::string_view path) {
  const NodeId id = require(path);
  auto [parent, name] = parent_and_name(path);
  if (link_count(id) == 1) pre_image(id);
  Record& rec = emit(RecordType::kUnlink);
  rec.node = id;
  rec.parent = parent;
  rec.name = name;
  drop_path(path);
  return *this;
}

TraceBuilder& TraceBuilder::rmdir(std::string_view path) {
  const NodeId id = require(path);
  auto [parent, name] = parent_and_name(path);
  Record& rec = emit(RecordType::kRmdir);
  rec.node = id;
  rec.parent = parent;
  rec.name = name;
  drop_path(path);
  return *this;
}

TraceBuilder& TraceBuilder::rename(std::string_view from, std::string_view to, std::uint32_t flags) {
  const NodeId id = require(from);
  auto [parent, name] = parent_and_name(from);
  auto [new_parent, new_name] = parent_and_name(to);
  NodeId victim = 0;
  if (auto it = paths_.find(std::string(to)); it != paths_.end()) victim = it->second;
  if ((flags & kRenameExchange) && victim == 0) throw std::invalid_argument("TraceBuilder: exchange with nothing");
  if ((flags & kRenameNoReplace) && victim != 0) throw std::invalid_argument("TraceBuilder: noreplace over an entry");
  if (victim != 0 && !(flags & kRenameExchange) && link_count(victim) == 1) pre_image(victim);
  Record& rec = emit(RecordType::kRename);
  rec.node = id;
  rec.parent = parent;
  rec.name = name;
  rec.new_parent = new_parent;
  rec.new_name = new_name;
  rec.victim = victim;
  rec.flags = flags;
  const std::string f(from), t(to);
  if (flags & kRenameExchange) {
    const std::string tmp = "\x01swap";
    move_paths(f, tmp);
    move_paths(t, f);
    move_paths(tmp, t);
  } else {
    if (victim != 0) drop_path(to);
    move_paths(f, t);
    if (flags & kRenameWhiteout) {
      const NodeId whiteout = new_entry(f, NodeKind::kSpecial);
      records_.back().whiteout = whiteout;
    }
  }
  return *this;
}

TraceBuilder& TraceBuilder::open(std::string_view path, std::uint32_t open_flags) {
  const NodeId id = require(path);
  Record& rec = emit(RecordType::kOpen);
  rec.node = id;
  rec.fh = id;
  rec.flags = open_flags;
  if (open_flags & kOTrunc) {
    pre_image(id);
    Record& t = emit(RecordType::kTruncate);
    t.node = id;
    t.fh = id;
    t.length = 0;
    t.flags = kTruncateByOpen;
    nodes_[id].size = 0;
  }
  return *this;
}

TraceBuilder& TraceBuilder::write(std::string_view path, std::uint64_t offset, std::string_view data,
                                  std::uint32_t flags) {
  const NodeId id = require(path);
  pre_image(id);
  const std::string_view kept = keep(data);
  // Like the recorder: writes larger than a chunk are split.
  std::uint64_t done = 0;
  do {
    const std::uint64_t n = std::min<std::uint64_t>(kept.size() - done, kMaxDataChunk);
    Record& rec = emit(RecordType::kWrite);
    rec.node = id;
    rec.fh = id;
    rec.offset = offset + done;
    rec.flags = flags;
    rec.data = kept.substr(done, n);
    done += n;
  } while (done < kept.size());
  nodes_[id].size = std::max(nodes_[id].size, offset + data.size());
  return *this;
}

TraceBuilder& TraceBuilder::append(std::string_view path, std::string_view data, std::uint32_t flags) {
  return write(path, nodes_[require(path)].size, data, flags);
}

TraceBuilder& TraceBuilder::truncate(std::string_view path, std::uint64_t length) {
  const NodeId id = require(path);
  pre_image(id);
  Record& rec = emit(RecordType::kTruncate);
  rec.node = id;
  rec.fh = id;
  rec.length = length;
  nodes_[id].size = length;
  return *this;
}

TraceBuilder& TraceBuilder::fallocate(std::string_view path, std::uint64_t offset, std::uint64_t length,
                                      std::uint32_t mode) {
  const NodeId id = require(path);
  pre_image(id);
  Record& rec = emit(RecordType::kFallocate);
  rec.node = id;
  rec.fh = id;
  rec.offset = offset;
  rec.length = length;
  rec.flags = mode;
  if (mode == 0) nodes_[id].size = std::max(nodes_[id].size, offset + length);
  return *this;
}

TraceBuilder& TraceBuilder::chmod(std::string_view path, std::uint32_t mode) {
  Record& rec = emit(RecordType::kSetAttr);
  rec.node = require(path);
  rec.mode = mode;
  rec.valid = kAttrMode;
  return *this;
}

TraceBuilder& TraceBuilder::set_mtime(std::string_view path, std::int64_t mtime_ns) {
  Record& rec = emit(RecordType::kSetAttr);
  rec.node = require(path);
  rec.mtime_ns = mtime_ns;
  rec.valid = kAttrMtime;
  return *this;
}

TraceBuilder& TraceBuilder::setxattr(std::string_view path, std::string_view name, std::string_view value) {
  Record& rec = emit(RecordType::kSetXattr);
  rec.node = require(path);
  rec.name = keep(name);
  rec.data = keep(value);
  return *this;
}

TraceBuilder& TraceBuilder::removexattr(std::string_view path, std::string_view name) {
  Record& rec = emit(RecordType::kRemoveXattr);
  rec.node = require(path);
  rec.name = keep(name);
  return *this;
}

TraceBuilder& TraceBuilder::release(std::string_view path) {
  Record& rec = emit(RecordType::kRelease);
  rec.node = require(path);
  rec.fh = rec.node;
  return *this;
}

TraceBuilder& TraceBuilder::fsync(std::string_view path) {
  Record& rec = emit(RecordType::kFsync);
  rec.node = require(path);
  rec.fh = rec.node;
  return *this;
}

TraceBuilder& TraceBuilder::fdatasync(std::string_view path) {
  Record& rec = emit(RecordType::kFdatasync);
  rec.node = require(path);
  rec.fh = rec.node;
  return *this;
}

TraceBuilder& TraceBuilder::fsyncdir(std::string_view path) {
  Record& rec = emit(RecordType::kFsyncdir);
  rec.node = require(path);
  rec.fh = rec.node;
  return *this;
}

TraceBuilder& TraceBuilder::mark(std::string_view label) {
  emit(RecordType::kMark).data = keep(label);
  return *this;
}

TraceBuilder& TraceBuilder::output(std::uint32_t stream, std::string_view bytes) {
  Record& rec = emit(RecordType::kOutput);
  rec.flags = stream;
  rec.data = keep(bytes);
  return *this;
}

Trace TraceBuilder::build() const {
  Trace trace;
  Status st = Trace::from_records(records_, storage_, trace);
  if (!st) throw std::invalid_argument("TraceBuilder: " + st.message());
  return trace;
}

std::string TraceBuilder::encode() const {
  std::string out;
  encode_file_header(out);
  for (const Record& rec : records_) encode_record(rec, out);
  return out;
}

MemoryBaseContent TraceBuilder::base() const {
  MemoryBaseContent base;
  for (const auto& [path, id] : paths_) {
    const NodeInfo& info = nodes_.at(id);
    if (info.pre_existing && !info.pre_imaged && (info.kind == NodeKind::kFile || info.kind == NodeKind::kSymlink)) {
      base.add(path, info.original);
    }
  }
  return base;
}

}  // namespace crashfs
