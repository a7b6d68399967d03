#include "analysis/share_workers.h"

namespace crashfs {

ShareWorkers::ShareWorkers(std::size_t threads, Work work) : work_(std::move(work)) {
  threads_.reserve(threads);
  for (std::size_t w = 0; w < threads; ++w) threads_.emplace_back([this, w] { run(w); });
}

ShareWorkers::~ShareWorkers() {
  wait();
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  posted_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void ShareWorkers::post(void* job) {
  {
    const std::lock_guard lock(mutex_);
    job_ = job;
    ++generation_;
    busy_ = threads_.size();
  }
  posted_.notify_all();
}

void ShareWorkers::wait() {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return busy_ == 0; });
}

void ShareWorkers::run(std::size_t w) {
  std::uint64_t seen = 0;
  for (;;) {
    void* job = nullptr;
    {
      std::unique_lock lock(mutex_);
      posted_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      job = job_;
    }
    work_(job, w);
    {
      const std::lock_guard lock(mutex_);
      if (--busy_ > 0) continue;
    }
    done_.notify_all();
  }
}

}  // namespace crashfs
