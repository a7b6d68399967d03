// Harness of the mounted integration tests (tests/integration/*_test.cpp):
// the shared harness (tests/common/harness.h) plus a global fixture that
//  - fails the whole module loudly (never skips) when /dev/fuse is unusable
//    or the crashfs binary is not built, and
//  - fails the module when a crashfs mount is left under the temporary
//    directories at the end, naming the test case after which it was first
//    seen, and unmounts it.
// Include it once per test executable, instead of the shared harness.
#pragma once

#include <boost/test/tree/observer.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "tests/common/harness.h"

namespace crashfs::test {

// crashfs mounts under this process's temporary root (other users of the
// machine mount elsewhere: TMPDIR differs).
inline std::vector<std::string> leftover_mounts() {
  const std::string prefix = own_temp_prefix();
  std::vector<std::string> out;
  for (const host::MountEntry& m : host::read_mounts())
    if (host::is_crashfs_mount(m) && m.mount_point.rfind(prefix, 0) == 0) out.push_back(m.mount_point);
  return out;
}

// Remembers the first test case after which a mount was left.  An observer
// may not assert (Boost.Test crashes), so the fixture's teardown fails.
class LeftoverMountObserver : public boost::unit_test::test_observer {
 public:
  void test_unit_finish(const boost::unit_test::test_unit& unit, unsigned long) override {
    if (unit.p_type != boost::unit_test::TUT_CASE || !first_case_.empty()) return;
    if (!leftover_mounts().empty()) first_case_ = unit.p_name.get();
  }
  const std::string& first_case() const { return first_case_; }

 private:
  std::string first_case_;
};

struct FuseRequired {
  void setup() {
    if (access("/dev/fuse", R_OK | W_OK) != 0) {
      throw std::runtime_error(std::string("FUSE is not available (/dev/fuse: ") + std::strerror(errno) +
                               "): these mounted tests need root and /dev/fuse (load the fuse module or run the "
                               "container with --device /dev/fuse). Failing, not skipping.");
    }
    if (access(CRASHFS_BINARY, X_OK) != 0) {
      throw std::runtime_error(std::string("crashfs binary not built: ") + CRASHFS_BINARY);
    }
    boost::unit_test::framework::register_observer(observer);
  }
  void teardown() {
    boost::unit_test::framework::deregister_observer(observer);
    for (const std::string& mount : leftover_mounts()) {
      BOOST_ERROR("a crashfs mount was left on " << mount << " when the test module ended (first seen after test case "
                                                 << (observer.first_case().empty() ? "?" : observer.first_case())
                                                 << "); unmounting it");
      force_unmount(mount);
    }
  }
  LeftoverMountObserver observer;
};

}  // namespace crashfs::test

using CrashfsFuseRequired = crashfs::test::FuseRequired;
BOOST_TEST_GLOBAL_FIXTURE(CrashfsFuseRequired);
