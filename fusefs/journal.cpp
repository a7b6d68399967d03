#include "fusefs/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "core/trace_format.h"

namespace crashfs::fusefs {

std::int64_t to_ns(const struct timespec& ts) { return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec; }

const Status& Journal::failure() const { return writer_ ? writer_->failure() : no_failure_; }

Status Journal::push() {
  std::lock_guard lock(mutex_);
  return writer_ != nullptr ? writer_->push() : Status::ok();
}

Status Journal::append(Record& rec, const Caller& who) {
  if (writer_ == nullptr) return Status::ok();
  rec.pid = who.pid;
  rec.tid = who.tid;
  if (who.pid != 0 && who.comm) {
    auto& written = comm_written_[who.pid];
    if (!written || (written != who.comm && *written != *who.comm)) {
      Record info;
      info.type = RecordType::kProcessInfo;
      info.pid = who.pid;
      info.tid = who.tid;
      info.data = *who.comm;
      if (Status st = writer_->append(info); !st) return st;
      written = who.comm;
    }
  }
  return writer_->append(rec);
}

Status Journal::append_chunked(Record rec, std::string_view data, const Caller& who) {
  do {
    const std::size_t n = std::min(data.size(), kMaxDataChunk);
    rec.data = data.substr(0, n);
    rec.time_ns = 0;
    if (Status st = append(rec, who); !st) return st;
    rec.offset += n;
    data.remove_prefix(n);
  } while (!data.empty());
  return Status::ok();
}

Status Journal::known(const Node& node, NodeId parent, std::string_view name, const struct stat& st,
                      std::string_view link_target, const Caller& who) {
  Record rec;
  rec.type = RecordType::kKnown;
  rec.node = node.id;
  rec.parent = parent;
  rec.name = name;
  rec.kind = kind_of_mode(st.st_mode);
  rec.mode = st.st_mode;
  rec.uid = st.st_uid;
  rec.gid = st.st_gid;
  rec.rdev = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? st.st_rdev : 0;
  rec.length = static_cast<std::uint64_t>(st.st_size);
  rec.mtime_ns = to_ns(st.st_mtim);
  rec.data = link_target;
  return append(rec, who);
}

Status Journal::known_xattr(const Node& node, std::string_view name, std::string_view value, const Caller& who) {
  Record rec;
  rec.type = RecordType::kKnownXattr;
  rec.node = node.id;
  rec.name = name;
  rec.data = value;
  return append(rec, who);
}

Status Journal::preimage(Node& node, int read_fd, const Caller& who) {
  if (!needs_preimage(node)) return Status::ok();
  if (read_fd >= 0) return preimage_from(node, read_fd, who);
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", node.fd);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::io_error(fmt::format("cannot read node {} to save its pre-image: {}", node.id, std::strerror(errno)));
  }
  Status st = preimage_from(node, fd, who);
  ::close(fd);
  return st;
}

Status Journal::preimage_at(Node& node, int dir_fd, const char* name, const Caller& who) {
  if (!needs_preimage(node)) return Status::ok();
  const int fd = ::openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return Status::io_error(
        fmt::format("cannot read {} (node {}) to save its pre-image: {}", name, node.id, std::strerror(errno)));
  }
  Status st = preimage_from(node, fd, who);
  ::close(fd);
  return st;
}

Status Journal::preimage_from(Node& node, int read_fd, const Caller& who) {
  thread_local std::vector<char> buf;
  buf.resize(kMaxDataChunk);
  Record rec;
  rec.type = RecordType::kPreImage;
  rec.node = node.id;
  std::uint64_t offset = 0;
  for (;;) {
    // Fill a whole chunk (pread may return less) so records are few and big.
    std::size_t have = 0;
    while (have < buf.size()) {
      const ssize_t n = ::pread(read_fd, buf.data() + have, buf.size() - have, static_cast<off_t>(offset + have));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::io_error(
            fmt::format("reading node {} for its pre-image at offset {}: {}", node.id, offset + have,
                        std::strerror(errno)));
      }
      if (n == 0) break;
      have += static_cast<std::size_t>(n);
    }
    if (have == 0 && offset > 0) break;
    rec.offset = offset;
    rec.data = std::string_view(buf.data(), have);
    rec.time_ns = 0;
    if (Status st = append(rec, who); !st) return st;
    offset += have;
    if (have < buf.size()) break;
  }
  node.preimage_written = true;
  return Status::ok();
}

}  // namespace crashfs::fusefs
