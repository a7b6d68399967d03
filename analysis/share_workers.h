// ShareWorkers: a fixed set of threads that each check their share of one
// batch at a time, for run_checks (check_runner.h).
//
// Threads are made once per run, not per batch: a thread made for each
// batch starts on the core of the thread that made it, which is busy
// exploring the next batch, and the two then share that core until the
// scheduler moves one.
//
// post(job) makes every thread call work(job, w) once (w: its index);
// wait() returns when each has.  One job at a time: post() after wait().
// Work must not throw (run_checks turns checker exceptions into results).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace crashfs {

class ShareWorkers {
 public:
  using Work = std::function<void(void* job, std::size_t w)>;
  ShareWorkers(std::size_t threads, Work work);
  ~ShareWorkers();  // waits for the job posted, then stops the threads
  ShareWorkers(const ShareWorkers&) = delete;
  ShareWorkers& operator=(const ShareWorkers&) = delete;

  void post(void* job);
  void wait();

 private:
  void run(std::size_t w);

  Work work_;
  std::mutex mutex_;
  std::condition_variable posted_, done_;
  void* job_ = nullptr;
  std::uint64_t generation_ = 0;  // of the job posted last
  std::size_t busy_ = 0;          // threads still on it
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace crashfs
