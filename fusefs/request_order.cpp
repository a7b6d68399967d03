#include "fusefs/request_order.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace crashfs::fusefs {

RequestOrder::RequestOrder(std::function<bool()> may_hold_unreported, std::chrono::milliseconds gap_grace)
    : may_hold_unreported_(std::move(may_hold_unreported)), gap_grace_(gap_grace) {
  serialized_.reserve(64);  // so arrive() and finish() never allocate in practice
}

void RequestOrder::advance() {
  const std::uint64_t before = next_missing_;
  while (!arrived_ahead_.empty() && *arrived_ahead_.begin() <= next_missing_) {
    if (*arrived_ahead_.begin() == next_missing_) next_missing_ += step_;
    arrived_ahead_.erase(arrived_ahead_.begin());
  }
  if (next_missing_ != before) missing_since_ = std::chrono::steady_clock::now();
}

void RequestOrder::arrive(std::uint64_t unique, bool serialized) {
  {
    std::lock_guard lock(mutex_);
    if (!started_) {
      started_ = true;
      step_ = unique % 2 == 0 ? 2 : 1;
      next_missing_ = unique;
      missing_since_ = std::chrono::steady_clock::now();
    }
    if (unique < next_missing_) {
      // Taken as withdrawn and arrived after all: run it as soon as it can.
      spdlog::debug("crashfs: request {} arrived after it was taken as withdrawn", unique);
    } else if (unique == next_missing_ && arrived_ahead_.empty()) {
      next_missing_ += step_;  // the common case: in order, nothing ahead
      missing_since_ = std::chrono::steady_clock::now();
    } else {
      arrived_ahead_.insert(unique);
      advance();
    }
    if (serialized) serialized_.insert(std::upper_bound(serialized_.begin(), serialized_.end(), unique), unique);
  }
  changed_.notify_all();
}

bool RequestOrder::may_run(std::uint64_t unique) const {
  return stopped_ || (unique < next_missing_ && !serialized_.empty() && serialized_.front() == unique);
}

void RequestOrder::wait_turn(std::uint64_t unique) {
  std::unique_lock lock(mutex_);
  while (!may_run(unique)) {
    if (next_missing_ <= unique) {
      // A number below ours is missing: wait for it, and after the grace
      // take it as withdrawn if no worker can be holding it.
      const auto waited = std::chrono::steady_clock::now() - missing_since_;
      if (waited >= gap_grace_ && !may_hold_unreported_()) {
        ++withdrawn_;
        spdlog::debug("crashfs: request {} never arrived: taken as withdrawn", next_missing_);
        next_missing_ += step_;
        missing_since_ = std::chrono::steady_clock::now();
        advance();
        changed_.notify_all();
        continue;
      }
      changed_.wait_for(lock, gap_grace_);
    } else {
      changed_.wait(lock);
    }
  }
}

void RequestOrder::finish(std::uint64_t unique) {
  {
    std::lock_guard lock(mutex_);
    const auto it = std::lower_bound(serialized_.begin(), serialized_.end(), unique);
    if (it != serialized_.end() && *it == unique) serialized_.erase(it);
  }
  changed_.notify_all();
}

void RequestOrder::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  changed_.notify_all();
}

std::uint64_t RequestOrder::withdrawn() const {
  std::lock_guard lock(mutex_);
  return withdrawn_;
}

}  // namespace crashfs::fusefs
