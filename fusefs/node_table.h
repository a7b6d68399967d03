// NodeTable: crashfs's stable node identity.
//
// A node id names one file-system object for the whole recording: it is the
// FUSE inode number the kernel sees and the node id written into the trace
// (root = kRootNode = FUSE_ROOT_ID = 1).  Ids come from a counter and are
// never reused; the (st_dev, st_ino) -> id map is kept while the object has
// a name (not dropped at forget), so hard links and renames of open files
// name one node, and writes through unlinked-but-open descriptors reach it
// by its id.  When its last name goes, unmap() drops its (st_dev, st_ino):
// the backing file system reuses inode numbers, and a number seen again is
// a new object.  Objects the workload creates always get a fresh id (add()
// replaces the map entry) for the same reason.
//
// Each Node keeps an O_PATH descriptor on the backing object while the
// kernel holds lookups on it (nlookup > 0, as counted by lookup/forget);
// forget() closes it when the count reaches 0.  Node objects are never freed
// before the table, so a Node* stays valid for the whole run.
//
// Thread-safe: the maps and lookup counts are under an internal mutex.
// Fields documented "under the Journal lock" are only touched by code
// holding the Journal's mutation lock.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/trace_record.h"

namespace crashfs::fusefs {

struct Node {
  NodeId id = 0;
  dev_t dev = 0;
  ino_t ino = 0;
  NodeKind kind = NodeKind::kNone;
  // True when the node existed before recording (introduced by a Known record).
  bool preexisting = false;
  // Under the Journal lock: its PreImage records were written.
  bool preimage_written = false;
  // O_PATH descriptor (NodeTable mutex for changes; readers may use it while
  // they hold a kernel reference on the node, i.e. inside any request on it).
  int fd = -1;
  std::uint64_t nlookup = 0;
};

NodeKind kind_of_mode(mode_t mode);

class NodeTable {
 public:
  NodeTable() = default;
  ~NodeTable();
  NodeTable(const NodeTable&) = delete;
  NodeTable& operator=(const NodeTable&) = delete;

  // Installs the root (node 1) on `root_fd`, which the table then owns.
  Node* set_root(int root_fd, dev_t dev, ino_t ino);

  // The node with this id, or nullptr.
  Node* get(NodeId id);
  // The node currently mapped to (dev, ino), or nullptr.
  Node* find(dev_t dev, ino_t ino);
  // A new node with a fresh id, now the one mapped to (dev, ino).
  Node* add(dev_t dev, ino_t ino, NodeKind kind, bool preexisting);
  // `node` lost its last name: its (dev, ino) no longer maps to it (its id
  // still does).
  void unmap(const Node* node);

  // One more kernel lookup on `node`.  `fd` is an O_PATH descriptor on it:
  // kept if the node has none, closed otherwise.  fd < 0 is allowed when the
  // node is known to hold one (link).
  void ref(Node* node, int fd);
  // The kernel dropped `n` lookups; closes the descriptor at zero.
  void forget(NodeId id, std::uint64_t n);

  std::uint64_t size();

 private:
  struct DevIno {
    dev_t dev;
    ino_t ino;
    bool operator==(const DevIno&) const = default;
  };
  struct DevInoHash {
    std::size_t operator()(const DevIno& k) const { return std::hash<std::uint64_t>{}(k.ino * 1000003u ^ k.dev); }
  };

  std::mutex mutex_;
  NodeId next_id_ = kRootNode + 1;
  std::unordered_map<NodeId, std::unique_ptr<Node>> by_id_;
  std::unordered_map<DevIno, Node*, DevInoHash> by_dev_ino_;
  Node* root_ = nullptr;
};

}  // namespace crashfs::fusefs
