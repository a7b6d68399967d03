#include "core/crash_walk.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace crashfs {
namespace {

StateKey keyed(std::uint64_t op, std::uint64_t tag, const void* extra = nullptr, std::size_t extra_len = 0) {
  // Small keys go through a stack buffer; torn piece lists are rarely long.
  std::uint64_t buf[16];
  buf[0] = op;
  const std::size_t words = std::min<std::size_t>(extra_len / sizeof(std::uint64_t), 15);
  if (words * sizeof(std::uint64_t) == extra_len) {
    std::memcpy(buf + 1, extra, extra_len);
    const XXH128_hash_t h = XXH3_128bits_withSeed(buf, (1 + words) * sizeof(std::uint64_t), 0x63726173686673ull ^ tag);
    return StateKey{h.low64, h.high64};
  }
  std::string bytes(reinterpret_cast<const char*>(&op), sizeof op);
  bytes.append(static_cast<const char*>(extra), extra_len);
  const XXH128_hash_t h = XXH3_128bits_withSeed(bytes.data(), bytes.size(), 0x63726173686673ull ^ tag);
  return StateKey{h.low64, h.high64};
}

}  // namespace

StateKey CrashWalk::op_key(std::size_t op) { return keyed(op, 1); }
StateKey CrashWalk::zeroed_key(std::size_t op) { return keyed(op, 2); }
StateKey CrashWalk::torn_key(std::size_t op, const std::vector<PieceRange>& kept) {
  return keyed(op, 3, kept.data(), kept.size() * sizeof(PieceRange));
}

CrashWalk::CrashWalk(const TraceIndex& index)
    : index_(&index),
      unsynced_(index.size()),
      metadata_(index.size()),
      writes_(index.size()),
      xor_tree_(index.size() + 1) {}

void CrashWalk::add_unsynced(std::size_t op) {
  unsynced_.insert(op);
  if (index_->facts(op).metadata) metadata_.insert(op);
  if (index_->facts(op).write) writes_.insert(op);
  const StateKey k = op_key(op);
  for (std::size_t x = op + 1; x < xor_tree_.size(); x += x & (~x + 1)) xor_tree_[x] = xor_tree_[x] ^ k;
}

void CrashWalk::remove_unsynced(std::size_t op) {
  if (!unsynced_.contains(op)) return;
  unsynced_.erase(op);
  metadata_.erase(op);
  writes_.erase(op);
  const StateKey k = op_key(op);
  for (std::size_t x = op + 1; x < xor_tree_.size(); x += x & (~x + 1)) xor_tree_[x] = xor_tree_[x] ^ k;
}

StateKey CrashWalk::prefix_xor(std::size_t end) const {
  StateKey k;
  for (std::size_t x = end; x > 0; x -= x & (~x + 1)) k = k ^ xor_tree_[x];
  return k;
}

StateKey CrashWalk::omitted_key(std::size_t first, std::size_t last) const {
  return prefix_xor(last + 1) ^ prefix_xor(first);
}

void CrashWalk::advance() {
  const std::size_t i = next_++;
  auto durable = [&](std::size_t op) {
    last_durable_ = std::max<std::ptrdiff_t>(last_durable_, static_cast<std::ptrdiff_t>(op));
    if (index_->facts(op).metadata) {
      metadata_floor_ = std::max<std::ptrdiff_t>(metadata_floor_, static_cast<std::ptrdiff_t>(op));
    }
  };
  if (index_->is_mutation(i)) {
    whole_ = whole_ ^ op_key(i);
    if (index_->facts(i).durable_at > i) add_unsynced(i);
  }
  for (std::uint32_t op : index_->newly_durable(i)) {
    remove_unsynced(op);
    durable(op);
  }
}

}  // namespace crashfs
