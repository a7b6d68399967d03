// RequestOrder: mutating requests run in the kernel's queue order although
// workers report them in any order; missing numbers are waited for, and
// taken as withdrawn only when no worker can be holding them.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "fusefs/request_order.h"

using crashfs::fusefs::RequestOrder;
using namespace std::chrono_literals;

namespace {

// Runs wait_turn(unique) on a thread and records when it got its turn.
struct Turns {
  std::mutex mutex;
  std::vector<std::uint64_t> order;
  std::vector<std::thread> threads;

  void run(RequestOrder& o, std::uint64_t unique) {
    threads.emplace_back([this, &o, unique] {
      o.wait_turn(unique);
      {
        std::lock_guard lock(mutex);
        order.push_back(unique);
      }
      o.finish(unique);
    });
  }
  std::vector<std::uint64_t> join() {
    for (auto& t : threads) t.join();
    threads.clear();
    return order;
  }
  std::size_t done() {
    std::lock_guard lock(mutex);
    return order.size();
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(requests_reported_out_of_order_run_in_queue_order) {
  RequestOrder o([] { return true; });
  o.arrive(2, false);  // INIT
  Turns turns;
  // The rename (8) is reported before the release (6) and the write (4).
  o.arrive(8, true);
  turns.run(o, 8);
  std::this_thread::sleep_for(20ms);
  BOOST_TEST(turns.done() == 0u);  // 4 and 6 have not arrived: 8 must wait
  o.arrive(6, true);
  turns.run(o, 6);
  std::this_thread::sleep_for(20ms);
  BOOST_TEST(turns.done() == 0u);  // 4 still missing
  o.arrive(4, true);
  turns.run(o, 4);
  BOOST_TEST((turns.join() == std::vector<std::uint64_t>{4, 6, 8}));
  BOOST_TEST(o.withdrawn() == 0u);
}

BOOST_AUTO_TEST_CASE(a_serialized_request_waits_for_older_ones_to_finish_not_for_reads) {
  RequestOrder o([] { return true; });
  o.arrive(2, false);
  o.arrive(4, true);   // a write, running
  o.arrive(6, false);  // a read: never waited for
  o.arrive(8, true);
  o.wait_turn(4);
  Turns turns;
  turns.run(o, 8);
  std::this_thread::sleep_for(20ms);
  BOOST_TEST(turns.done() == 0u);  // 4 has not finished
  o.finish(4);
  BOOST_TEST((turns.join() == std::vector<std::uint64_t>{8}));
}

BOOST_AUTO_TEST_CASE(a_missing_number_is_withdrawn_only_when_no_worker_can_hold_it) {
  std::atomic<bool> holding{true};
  RequestOrder o([&] { return holding.load(); }, 1ms);
  o.arrive(2, false);
  o.arrive(6, true);  // 4 never comes: its caller was killed before it was read
  Turns turns;
  turns.run(o, 6);
  std::this_thread::sleep_for(30ms);
  BOOST_TEST(turns.done() == 0u);  // a worker may still be about to report 4
  holding = false;                 // every reading worker is asleep in the kernel
  BOOST_TEST((turns.join() == std::vector<std::uint64_t>{6}));
  BOOST_TEST(o.withdrawn() == 1u);
  // A late arrival of the withdrawn number still runs.
  o.arrive(4, true);
  o.wait_turn(4);
  o.finish(4);
}

BOOST_AUTO_TEST_CASE(kernels_before_4_20_number_requests_in_steps_of_one) {
  RequestOrder o([] { return true; });
  o.arrive(1, false);  // INIT of an old kernel
  o.arrive(3, true);
  Turns turns;
  turns.run(o, 3);
  std::this_thread::sleep_for(20ms);
  BOOST_TEST(turns.done() == 0u);  // 2 is missing
  o.arrive(2, false);
  BOOST_TEST((turns.join() == std::vector<std::uint64_t>{3}));
}

BOOST_AUTO_TEST_CASE(stop_releases_every_waiter) {
  RequestOrder o([] { return true; });
  o.arrive(2, false);
  o.arrive(8, true);
  Turns turns;
  turns.run(o, 8);
  std::this_thread::sleep_for(10ms);
  o.stop();
  BOOST_TEST(turns.join().size() == 1u);
}

BOOST_AUTO_TEST_CASE(many_threads_reporting_in_random_order_run_in_queue_order) {
  RequestOrder o([] { return true; });
  o.arrive(2, false);
  const int n = 200;
  std::vector<std::uint64_t> uniques;
  for (int i = 0; i < n; ++i) uniques.push_back(4 + 2 * static_cast<std::uint64_t>(i));
  // Reverse pairs so that most requests are reported before an older one.
  for (std::size_t i = 0; i + 1 < uniques.size(); i += 2) std::swap(uniques[i], uniques[i + 1]);
  Turns turns;
  for (std::uint64_t u : uniques) {
    o.arrive(u, true);
    turns.run(o, u);
  }
  const auto order = turns.join();
  BOOST_TEST_REQUIRE(order.size() == static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) BOOST_TEST(order[i] == 4 + 2 * static_cast<std::uint64_t>(i));
}
