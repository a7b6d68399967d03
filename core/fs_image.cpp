#include "core/fs_image.h"

#include <sys/stat.h>
#include <xxhash.h>

#include <algorithm>
#include <mutex>
#include <map>
#include <vector>

#include "core/trace.h"

namespace crashfs {
namespace {

// Linux fallocate(2) mode bits.
constexpr std::uint32_t kFallocKeepSize = 0x01;
constexpr std::uint32_t kFallocPunchHole = 0x02;
constexpr std::uint32_t kFallocCollapseRange = 0x08;
constexpr std::uint32_t kFallocZeroRange = 0x10;
constexpr std::uint32_t kFallocInsertRange = 0x20;

std::uint32_t type_bits(NodeKind kind) {
  switch (kind) {
    case NodeKind::kFile: return S_IFREG;
    case NodeKind::kDirectory: return S_IFDIR;
    case NodeKind::kSymlink: return S_IFLNK;
    default: return 0;
  }
}

// The mode with file-type bits that match `kind` (records may carry bare permissions).
std::uint32_t mode_for(NodeKind kind, std::uint32_t mode) {
  if (kind == NodeKind::kSpecial) return (mode & S_IFMT) != 0 ? mode : (mode | S_IFIFO);
  return type_bits(kind) | (mode & 07777);
}

NodeKind kind_of_mknod(std::uint32_t mode) { return S_ISREG(mode) ? NodeKind::kFile : NodeKind::kSpecial; }

}  // namespace

namespace {

struct StateFree {
  void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};
using HashState = std::unique_ptr<XXH3_state_t, StateFree>;

// Feeds the bytes [from, size) of `content` to `state`.
void hash_from(XXH3_state_t* state, const Rope& content, std::uint64_t from, const BaseResolver& base) {
  static const char kZeros[4096] = {};
  auto zeros = [&](std::uint64_t length) {
    for (std::uint64_t left = length; left > 0;) {
      const std::uint64_t n = std::min<std::uint64_t>(left, sizeof kZeros);
      XXH3_128bits_update(state, kZeros, n);
      left -= n;
    }
  };
  if (from >= content.size()) return;
  content.for_each(from, content.size() - from, [&](std::uint64_t, const Extent& e) {
    switch (e.source) {
      case Extent::Source::kTrace:
        XXH3_128bits_update(state, e.bytes, e.length);
        break;
      case Extent::Source::kZeros:
        zeros(e.length);
        break;
      case Extent::Source::kBase: {
        const std::string_view bytes = base.base_bytes(e.base_node);
        const std::uint64_t have =
            e.base_offset < bytes.size() ? std::min<std::uint64_t>(bytes.size() - e.base_offset, e.length) : 0;
        XXH3_128bits_update(state, bytes.data() + (have > 0 ? e.base_offset : 0), have);
        zeros(e.length - have);
        break;
      }
    }
  });
}

// Chains of versions not hashed yet are followed this far back at most.
constexpr std::size_t kMaxChain = 1024;

}  // namespace

// One node version's hash, the XXH3 state after its content (to resume
// from), and the version it was edited from (until it is hashed).
struct FsNode::HashMemo {
  Rope content;           // the version's content (set once it is final)
  bool content_set = false;
  std::shared_ptr<HashMemo> prior;  // the version this one was edited from
  HashState state;
  std::optional<ContentHash> hash;

  HashMemo() = default;
  HashMemo(const HashMemo&) = delete;
  HashMemo& operator=(const HashMemo&) = delete;
  // A long chain of versions never hashed (a huge explore-only run) is
  // released iteratively, not by recursion.
  ~HashMemo() {
    std::shared_ptr<HashMemo> p = std::move(prior);
    while (p && p.use_count() == 1) {
      std::shared_ptr<HashMemo> next = std::move(p->prior);
      p = std::move(next);
    }
  }
};

namespace {
// Guards every HashMemo and every FsNode::memo_ pointer: versions share
// memos (a node copied to be edited links to its old version's), and
// checkers on several threads (--jobs) hash nodes of shared images while
// one of them may build more images (RunHistory::state_at).  Held only to
// read and update memos: the bytes are hashed outside it.
std::mutex& hash_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

ContentHash FsNode::content_hash(const BaseResolver& base) const {
  if (const ContentHash* done = hashed_.hash.load(std::memory_order_acquire)) return *done;
  std::shared_ptr<HashMemo> memo;
  Rope resume_content;  // of the nearest earlier version already hashed
  HashState state;
  bool may_resume = false;
  {
    const std::lock_guard lock(hash_mutex());
    if (!memo_) memo_ = std::make_shared<HashMemo>();
    if (!memo_->content_set) {
      memo_->content = content;
      memo_->content_set = true;
    }
    if (memo_->hash) {
      hashed_.hash.store(&*memo_->hash, std::memory_order_release);
      return *memo_->hash;
    }
    memo = memo_;
    state.reset(XXH3_createState());
    // The nearest earlier version already hashed (the versions in between
    // need no hash of their own: a crash state applies several operations
    // to a process-kill image, and only the result is looked at).
    const HashMemo* from = memo->prior.get();
    for (std::size_t steps = 1; from != nullptr && !from->hash && steps < kMaxChain; ++steps) from = from->prior.get();
    if (from != nullptr && from->hash && from->state && from->content.size() <= memo->content.size()) {
      resume_content = from->content;
      XXH3_copyState(state.get(), from->state.get());
      may_resume = true;
    }
  }
  // The contents are immutable ropes (memo->content is set once): hash
  // without the lock, so threads hash distinct versions at once.
  const Rope& now = memo->content;
  std::uint64_t resume = 0;
  if (may_resume && (now.same_as(resume_content) || now.common_prefix(resume_content, base) == resume_content.size()))
    resume = resume_content.size();
  else
    XXH3_128bits_reset(state.get());
  hash_from(state.get(), now, resume, base);
  const XXH128_hash_t h = XXH3_128bits_digest(state.get());
  const std::lock_guard lock(hash_mutex());
  if (!memo->hash) {  // else another thread hashed it meanwhile (the same value)
    memo->hash = ContentHash{h.low64, h.high64};
    memo->state = std::move(state);
    memo->prior.reset();  // the versions in between stay linked for other versions edited from them
  }
  hashed_.hash.store(&*memo->hash, std::memory_order_release);
  return *memo->hash;
}

const FsNode* FsImage::node(NodeId id) const {
  const FsNodePtr* p = nodes_.find(id);
  return p ? p->get() : nullptr;
}

NodeId FsImage::lookup(NodeId dir, std::string_view name) const {
  const FsNode* d = node(dir);
  if (d == nullptr || d->kind != NodeKind::kDirectory) return 0;
  const NodeId* child = d->entries.find(name);
  return child ? *child : 0;
}

NodeId FsImage::resolve(std::string_view path) const {
  NodeId cur = node(kRootNode) ? kRootNode : 0;
  while (cur != 0 && !path.empty()) {
    const auto slash = path.find('/');
    cur = lookup(cur, path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
  }
  return cur;
}

std::optional<std::string> FsImage::path_of(NodeId id) const {
  if (id == kRootNode) return std::string{};
  const FsNode* leaf = node(id);
  if (leaf == nullptr) return std::nullopt;
  for (const Link& first : leaf->links) {
    if (lookup(first.parent, first.name) != id) continue;
    std::vector<std::string_view> parts{first.name};
    NodeId cur = first.parent;
    // Directories have one link; a depth bound guards hostile cycles.
    for (int depth = 0; depth < 4096 && cur != kRootNode; ++depth) {
      const FsNode* n = node(cur);
      const Link* up = nullptr;
      if (n != nullptr) {
        for (const Link& l : n->links) {
          if (lookup(l.parent, l.name) == cur) {
            up = &l;
            break;
          }
        }
      }
      if (up == nullptr) break;
      parts.push_back(up->name);
      cur = up->parent;
    }
    if (cur != kRootNode) continue;
    std::string path;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      if (!path.empty()) path += '/';
      path += *it;
    }
    return path;
  }
  return std::nullopt;
}

FsNode& FsImage::edit(NodeId id) {
  const FsNodePtr* old = nodes_.find(id);
  // Only files and symlinks are ever hashed (have a memo).
  const bool hashed = old && ((*old)->kind == NodeKind::kFile || (*old)->kind == NodeKind::kSymlink);
  std::unique_lock<std::mutex> lock;
  if (hashed) lock = std::unique_lock(hash_mutex());
  auto copy = old ? std::make_shared<FsNode>(**old) : std::make_shared<FsNode>();
  copy->memo_.reset();
  if (hashed) {
    copy->memo_ = std::make_shared<FsNode::HashMemo>();
    // The old version is final: remember its content, so the new version's
    // hash can resume from it (content_hash).
    const FsNode& was = **old;
    if (!was.memo_) was.memo_ = std::make_shared<FsNode::HashMemo>();
    if (!was.memo_->content_set) {
      was.memo_->content = was.content;
      was.memo_->content_set = true;
    }
    copy->memo_->prior = was.memo_;
  }
  FsNode& ref = *copy;
  nodes_.set(id, std::move(copy));
  return ref;
}

void FsImage::add_link(NodeId dir, std::string_view name, NodeId child, std::int64_t time_ns) {
  const NodeId old = lookup(dir, name);
  if (old == child) return;
  if (old != 0) {
    auto& links = edit(old).links;
    links.erase(std::remove(links.begin(), links.end(), Link{dir, name}), links.end());
  }
  FsNode& d = edit(dir);
  d.entries.set(name, child);
  if (time_ns != 0) d.mtime_ns = time_ns;
  edit(child).links.push_back(Link{dir, name});
}

void FsImage::remove_link(NodeId dir, std::string_view name, std::int64_t time_ns) {
  const NodeId old = lookup(dir, name);
  if (old == 0) return;
  FsNode& d = edit(dir);
  d.entries.erase(name);
  if (time_ns != 0) d.mtime_ns = time_ns;
  auto& links = edit(old).links;
  links.erase(std::remove(links.begin(), links.end(), Link{dir, name}), links.end());
}

void FsImage::create_node(const Record& rec, NodeKind kind) {
  const FsNode* parent = node(rec.parent);
  if (parent == nullptr || parent->kind != NodeKind::kDirectory || rec.node == kRootNode || rec.node == 0) return;
  if (const FsNode* existing = node(rec.node)) {
    // A node created twice (damaged or hostile trace): unlink the old one first.
    const std::vector<Link> links = existing->links;
    for (const Link& l : links) remove_link(l.parent, l.name, 0);
  }
  auto fresh = std::make_shared<FsNode>();
  fresh->kind = kind;
  fresh->mode = mode_for(kind, kind == NodeKind::kSymlink ? 0777 : rec.mode);
  fresh->uid = rec.uid;
  fresh->gid = rec.gid;
  fresh->rdev = rec.rdev;
  fresh->mtime_ns = rec.time_ns;
  if (kind == NodeKind::kSymlink) fresh->content.write(0, Extent::trace(rec.data, rec.seq));
  nodes_.set(rec.node, std::move(fresh));
  add_link(rec.parent, rec.name, rec.node, rec.time_ns);
}

void FsImage::apply_write(const Record& rec, const Persisted& how) {
  const FsNode* n = node(rec.node);
  if (n == nullptr || n->kind != NodeKind::kFile || rec.data.empty()) return;
  const std::uint64_t end = rec.offset + rec.data.size();
  FsNode& f = edit(rec.node);
  f.mtime_ns = rec.time_ns;
  switch (how.kind) {
    case Persisted::Kind::kWhole:
      f.content.write(rec.offset, Extent::trace(rec.data, rec.seq));
      return;
    case Persisted::Kind::kOmit:
      return;
    case Persisted::Kind::kZeroed:
      if (end > f.content.size()) f.content.resize(end, rec.seq);
      return;
    case Persisted::Kind::kTorn: {
      if (end > f.content.size()) f.content.resize(end, rec.seq);
      const std::uint64_t sector = how.sector;
      for (const PieceRange& r : how.kept) {
        const std::uint64_t from = std::max(rec.offset, (rec.offset / sector + r.first) * sector);
        const std::uint64_t to = std::min(end, (rec.offset / sector + r.last + 1) * sector);
        if (from >= to) continue;
        f.content.write(from, Extent::trace(rec.data.substr(from - rec.offset, to - from), rec.seq));
      }
      return;
    }
  }
}

void FsImage::apply_rename(const Record& rec) {
  const NodeId src = lookup(rec.parent, rec.name);
  if (src != rec.node || src == 0) return;
  const FsNode* dest_dir = node(rec.new_parent);
  if (dest_dir == nullptr || dest_dir->kind != NodeKind::kDirectory) return;
  const NodeId dst = lookup(rec.new_parent, rec.new_name);
  if (rec.flags & kRenameExchange) {
    if (dst == 0 || dst != rec.victim || dst == src) return;
    FsNode& a = edit(src);
    for (Link& l : a.links) {
      if (l == Link{rec.parent, rec.name}) l = Link{rec.new_parent, rec.new_name};
    }
    FsNode& b = edit(dst);
    for (Link& l : b.links) {
      if (l == Link{rec.new_parent, rec.new_name}) l = Link{rec.parent, rec.name};
    }
    FsNode& from_dir = edit(rec.parent);
    from_dir.entries.set(rec.name, dst);
    from_dir.mtime_ns = rec.time_ns;
    FsNode& to_dir = edit(rec.new_parent);
    to_dir.entries.set(rec.new_name, src);
    to_dir.mtime_ns = rec.time_ns;
    return;
  }
  if (dst == src) return;
  if ((rec.flags & kRenameNoReplace) && dst != 0) return;
  if (node(src)->kind == NodeKind::kDirectory) {
    // Never move a directory below itself (the kernel refuses with EINVAL).
    NodeId cur = rec.new_parent;
    for (int depth = 0; depth < 4096 && cur != 0 && cur != kRootNode; ++depth) {
      if (cur == src) return;
      const FsNode* n = node(cur);
      cur = (n != nullptr && !n->links.empty()) ? n->links.front().parent : 0;
    }
  }
  remove_link(rec.new_parent, rec.new_name, rec.time_ns);
  remove_link(rec.parent, rec.name, rec.time_ns);
  add_link(rec.new_parent, rec.new_name, src, rec.time_ns);
  if ((rec.flags & kRenameWhiteout) && rec.whiteout != 0 && rec.whiteout != kRootNode && node(rec.whiteout) == nullptr) {
    // The whiteout the rename left at the old name: a 0/0 character device.
    auto whiteout = std::make_shared<FsNode>();
    whiteout->kind = NodeKind::kSpecial;
    whiteout->mode = S_IFCHR;
    whiteout->uid = rec.uid;
    whiteout->gid = rec.gid;
    whiteout->mtime_ns = rec.time_ns;
    nodes_.set(rec.whiteout, std::move(whiteout));
    add_link(rec.parent, rec.name, rec.whiteout, rec.time_ns);
  }
}

void FsImage::apply_fallocate(const Record& rec) {
  const FsNode* n = node(rec.node);
  if (n == nullptr || n->kind != NodeKind::kFile || rec.length == 0) return;
  FsNode& f = edit(rec.node);
  const std::uint64_t end = rec.offset + rec.length;
  if (rec.flags & kFallocPunchHole) {
    f.content.zero_range(rec.offset, rec.length, rec.seq);
  } else if (rec.flags & kFallocCollapseRange) {
    f.content.remove_range(rec.offset, rec.length);
  } else if (rec.flags & kFallocInsertRange) {
    f.content.insert_zeros(rec.offset, rec.length, rec.seq);
  } else {
    if (rec.flags & kFallocZeroRange) f.content.zero_range(rec.offset, rec.length, rec.seq);
    if (!(rec.flags & kFallocKeepSize) && end > f.content.size()) f.content.resize(end, rec.seq);
  }
  f.mtime_ns = rec.time_ns;
}

void FsImage::apply(const Record& rec, const Persisted& how) {
  if (how.kind == Persisted::Kind::kOmit) return;
  switch (rec.type) {
    case RecordType::kCreate:
      create_node(rec, NodeKind::kFile);
      return;
    case RecordType::kMkdir:
      create_node(rec, NodeKind::kDirectory);
      return;
    case RecordType::kMknod:
      create_node(rec, kind_of_mknod(rec.mode));
      return;
    case RecordType::kSymlink:
      create_node(rec, NodeKind::kSymlink);
      return;
    case RecordType::kLink: {
      const FsNode* n = node(rec.node);
      const FsNode* dir = node(rec.new_parent);
      if (n == nullptr || n->kind == NodeKind::kDirectory || dir == nullptr || dir->kind != NodeKind::kDirectory ||
          rec.node == kRootNode) {
        return;
      }
      add_link(rec.new_parent, rec.new_name, rec.node, rec.time_ns);
      return;
    }
    case RecordType::kUnlink:
      if (lookup(rec.parent, rec.name) == rec.node && rec.node != 0) remove_link(rec.parent, rec.name, rec.time_ns);
      return;
    case RecordType::kRmdir: {
      const FsNode* n = node(rec.node);
      if (n != nullptr && lookup(rec.parent, rec.name) == rec.node && n->entries.empty()) {
        remove_link(rec.parent, rec.name, rec.time_ns);
      }
      return;
    }
    case RecordType::kRename:
      apply_rename(rec);
      return;
    case RecordType::kWrite:
      apply_write(rec, how);
      return;
    case RecordType::kTruncate: {
      const FsNode* n = node(rec.node);
      if (n == nullptr || n->kind != NodeKind::kFile) return;
      FsNode& f = edit(rec.node);
      f.content.resize(rec.length, rec.seq);
      f.mtime_ns = rec.time_ns;
      return;
    }
    case RecordType::kFallocate:
      apply_fallocate(rec);
      return;
    case RecordType::kSetAttr: {
      const FsNode* n = node(rec.node);
      if (n == nullptr) return;
      FsNode& f = edit(rec.node);
      if (rec.valid & kAttrMode) f.mode = (f.mode & S_IFMT) | (rec.mode & 07777);
      if (rec.valid & kAttrUid) f.uid = rec.uid;
      if (rec.valid & kAttrGid) f.gid = rec.gid;
      if (rec.valid & kAttrMtime) f.mtime_ns = rec.mtime_ns;
      return;
    }
    case RecordType::kSetXattr:
      if (node(rec.node) != nullptr) edit(rec.node).xattrs.set(rec.name, rec.data);
      return;
    case RecordType::kRemoveXattr:
      if (node(rec.node) != nullptr && node(rec.node)->xattrs.find(rec.name) != nullptr) {
        edit(rec.node).xattrs.erase(rec.name);
      }
      return;
    default:
      return;  // not a mutation
  }
}

FsImage FsImage::initial(const Trace& trace) {
  FsImage image;
  std::map<NodeId, std::vector<const Record*>> pre_images;
  for (const Record& rec : trace.records()) {
    if (rec.type == RecordType::kPreImage) {
      pre_images[rec.node].push_back(&rec);
      continue;
    }
    if (rec.type == RecordType::kKnownXattr) {
      if (image.node(rec.node) != nullptr) image.edit(rec.node).xattrs.set(rec.name, rec.data);
      continue;
    }
    if (rec.type != RecordType::kKnown || rec.node == 0) continue;
    const NodeKind kind = rec.node == kRootNode ? NodeKind::kDirectory : rec.kind;
    if (kind == NodeKind::kNone) continue;
    if (image.node(rec.node) == nullptr) {
      auto n = std::make_shared<FsNode>();
      n->kind = kind;
      n->mode = mode_for(kind, rec.mode);
      n->uid = rec.uid;
      n->gid = rec.gid;
      n->rdev = kind == NodeKind::kSpecial ? rec.rdev : 0;
      n->mtime_ns = rec.mtime_ns;
      if (kind == NodeKind::kFile && rec.length > 0) n->content.write(0, Extent::base(rec.node, 0, rec.length));
      if (kind == NodeKind::kSymlink) {
        if (!rec.data.empty()) n->content.write(0, Extent::trace(rec.data, 0));
        else if (rec.length > 0) n->content.write(0, Extent::base(rec.node, 0, rec.length));
      }
      image.nodes_.set(rec.node, std::move(n));
    }
    if (rec.node == kRootNode) continue;
    const FsNode* parent = image.node(rec.parent);
    if (parent == nullptr || parent->kind != NodeKind::kDirectory) continue;
    if (image.lookup(rec.parent, rec.name) == 0) image.add_link(rec.parent, rec.name, rec.node, 0);
  }
  for (const auto& [id, chunks] : pre_images) {
    const FsNode* n = image.node(id);
    if (n == nullptr || n->kind != NodeKind::kFile) continue;
    const std::uint64_t size = n->content.size();
    FsNode& f = image.edit(id);
    f.content = Rope{};
    for (const Record* chunk : chunks) f.content.write(chunk->offset, Extent::trace(chunk->data, 0));
    f.content.resize(size, 0);
  }
  return image;
}

}  // namespace crashfs
