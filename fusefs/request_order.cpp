#include "fusefs/request_order.h"

#include <linux/fuse.h>

#include <algorithm>

namespace crashfs::fusefs {

void RequestOrder::enqueue(std::uint64_t ticket) {
  std::lock_guard lock(mutex_);
  queue_.push_back(ticket);
}

void RequestOrder::wait_turn(std::uint64_t ticket) {
  std::unique_lock lock(mutex_);
  turn_changed_.wait(lock, [&] { return !queue_.empty() && queue_.front() == ticket; });
}

void RequestOrder::finish(std::uint64_t ticket) {
  {
    std::lock_guard lock(mutex_);
    auto it = std::find(queue_.begin(), queue_.end(), ticket);
    if (it != queue_.end()) queue_.erase(it);
  }
  turn_changed_.notify_all();
}

bool is_ordered_opcode(std::uint32_t opcode) {
  switch (opcode) {
    case FUSE_SETATTR:
    case FUSE_MKNOD:
    case FUSE_MKDIR:
    case FUSE_UNLINK:
    case FUSE_RMDIR:
    case FUSE_RENAME:
    case FUSE_RENAME2:
    case FUSE_LINK:
    case FUSE_SYMLINK:
    case FUSE_OPEN:
    case FUSE_CREATE:
    case FUSE_WRITE:
    case FUSE_RELEASE:
    case FUSE_FSYNC:
    case FUSE_FSYNCDIR:
    case FUSE_FALLOCATE:
    case FUSE_COPY_FILE_RANGE:
    case FUSE_SETXATTR:
    case FUSE_REMOVEXATTR:
      return true;
    default:
      return false;
  }
}

}  // namespace crashfs::fusefs
