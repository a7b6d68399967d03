// StateFs: one crash state served read-only through FUSE (`crashfs view`).
//
// Serves an FsImage (core/fs_image.h) as it is, without writing the tree
// anywhere: file bytes come from the trace (mapped), from the base
// resolver (unchanged pre-existing files) or are zeros.  What it shows is
// what `crashfs replay` writes (host/replay_to_disk.h), so a person or a
// checker command can look at a state in place:
//  - modes with every permission bit (set-user/group-id, sticky), owners;
//  - fifos, sockets and devices with their numbers (the mount is nodev:
//    a device is never opened through it);
//  - hard links (of files, symlinks, special files) share one inode number
//    and count their reachable links;
//  - a pre-existing directory also shows the entries the trace never
//    mentioned, passed through read-only from its counterpart in the base
//    directory (Source::base_dir_of), as replay copies them.
// The mount is read-only ("ro"): the kernel answers EROFS to every write,
// create, remove, rename, attribute change.
//
// One request at a time (one worker thread): the image is immutable, but
// the base resolver caches what it read and is not thread-safe.  No C++
// exception crosses a callback (EIO).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/fs_image.h"
#include "core/rope.h"
#include "core/status.h"
#include "fusefs/fuse_api.h"

namespace crashfs::fusefs {

class FuseMount;

class StateFs {
 public:
  struct Source {
    FsImage image;
    const BaseResolver* base = nullptr;  // base bytes of pre-existing files
    // A descriptor (owned by the caller, open while serving) on the base
    // counterpart of pre-existing directory `dir`, or -1: its unmentioned
    // entries are served from there.
    std::function<int(NodeId dir)> base_dir_of;
    // Whether the trace names entry `name` of directory `dir` (then the
    // image decides it, never the base).
    std::function<bool(NodeId dir, std::string_view name)> mentioned;
  };

  explicit StateFs(Source source);
  ~StateFs();
  StateFs(const StateFs&) = delete;
  StateFs& operator=(const StateFs&) = delete;

  // Mounts read-only over `dir` and serves (returns at once).
  Status mount(const std::string& dir);
  // Stops serving and unmounts (lazily); idempotent.
  void stop();

  // --- handlers (state_fs_ops.cpp calls them; each replies exactly once) ---
  void lookup(fuse_req_t req, fuse_ino_t parent, const char* name);
  void getattr(fuse_req_t req, fuse_ino_t ino);
  void readlink(fuse_req_t req, fuse_ino_t ino);
  void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off);
  void release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
  void releasedir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
  void statfs(fuse_req_t req);

 private:
  // A node passed through from the base directory (an unmentioned entry).
  struct BaseNode {
    int fd = -1;  // O_PATH
  };
  struct Listing;

  bool is_base(fuse_ino_t ino) const { return ino >= kBaseInoStart; }
  bool shown(const FsNode& n) const;
  bool stat_image(NodeId id, struct stat& st) const;
  int stat_base(fuse_ino_t ino, struct stat& st) const;
  // A base node for `name` in base directory descriptor `dir_fd`.
  int lookup_base(int dir_fd, const char* name, fuse_ino_t& ino, struct stat& st);
  int base_fd_of(fuse_ino_t ino) const;

  static constexpr fuse_ino_t kBaseInoStart = fuse_ino_t{1} << 62;

  Source source_;
  std::unordered_map<NodeId, std::uint32_t> reachable_links_;
  std::unordered_map<fuse_ino_t, BaseNode> base_nodes_;
  std::unordered_map<std::uint64_t, fuse_ino_t> base_ino_of_;  // (dev ^ ino) -> our ino
  fuse_ino_t next_base_ino_ = kBaseInoStart;
  std::unique_ptr<FuseMount> mount_;
};

}  // namespace crashfs::fusefs
