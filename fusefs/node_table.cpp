#include "fusefs/node_table.h"

#include <sys/stat.h>
#include <unistd.h>

namespace crashfs::fusefs {

NodeKind kind_of_mode(mode_t mode) {
  if (S_ISREG(mode)) return NodeKind::kFile;
  if (S_ISDIR(mode)) return NodeKind::kDirectory;
  if (S_ISLNK(mode)) return NodeKind::kSymlink;
  return NodeKind::kSpecial;
}

NodeTable::~NodeTable() {
  for (auto& [id, node] : by_id_) {
    if (node->fd >= 0) ::close(node->fd);
  }
}

Node* NodeTable::set_root(int root_fd, dev_t dev, ino_t ino) {
  std::lock_guard lock(mutex_);
  auto node = std::make_unique<Node>();
  node->id = kRootNode;
  node->dev = dev;
  node->ino = ino;
  node->kind = NodeKind::kDirectory;
  node->preexisting = true;
  node->fd = root_fd;
  node->nlookup = 1;  // the kernel's own reference on the root; never forgotten
  root_ = node.get();
  by_dev_ino_[{dev, ino}] = root_;
  by_id_[kRootNode] = std::move(node);
  return root_;
}

Node* NodeTable::get(NodeId id) {
  if (id == kRootNode && root_ != nullptr) return root_;  // hot path, set once before serving
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second.get();
}

Node* NodeTable::find(dev_t dev, ino_t ino) {
  std::lock_guard lock(mutex_);
  auto it = by_dev_ino_.find({dev, ino});
  return it == by_dev_ino_.end() ? nullptr : it->second;
}

Node* NodeTable::add(dev_t dev, ino_t ino, NodeKind kind, bool preexisting) {
  std::lock_guard lock(mutex_);
  auto node = std::make_unique<Node>();
  node->id = next_id_++;
  node->dev = dev;
  node->ino = ino;
  node->kind = kind;
  node->preexisting = preexisting;
  Node* raw = node.get();
  by_dev_ino_[{dev, ino}] = raw;
  by_id_[raw->id] = std::move(node);
  return raw;
}

void NodeTable::unmap(const Node* node) {
  std::lock_guard lock(mutex_);
  auto it = by_dev_ino_.find({node->dev, node->ino});
  if (it != by_dev_ino_.end() && it->second == node) by_dev_ino_.erase(it);
}

void NodeTable::ref(Node* node, int fd) {
  int to_close = -1;
  {
    std::lock_guard lock(mutex_);
    ++node->nlookup;
    if (node->fd < 0) {
      node->fd = fd;
    } else {
      to_close = fd;
    }
  }
  if (to_close >= 0) ::close(to_close);
}

void NodeTable::forget(NodeId id, std::uint64_t n) {
  int to_close = -1;
  {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    if (it == by_id_.end() || id == kRootNode) return;
    Node* node = it->second.get();
    node->nlookup = n >= node->nlookup ? 0 : node->nlookup - n;
    if (node->nlookup == 0) {
      to_close = node->fd;
      node->fd = -1;
    }
  }
  if (to_close >= 0) ::close(to_close);
}

std::uint64_t NodeTable::size() {
  std::lock_guard lock(mutex_);
  return by_id_.size();
}

}  // namespace crashfs::fusefs
