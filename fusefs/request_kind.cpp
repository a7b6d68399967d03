#include "fusefs/request_kind.h"

#include <linux/fuse.h>

namespace crashfs::fusefs {

bool is_serialized_opcode(std::uint32_t opcode) {
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
