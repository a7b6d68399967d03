// The committed pyc fixtures of tests/data/pyc/ (see its README), for the
// pyc and marshal unit tests.  A missing fixture fails the test, naming it.
#pragma once

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace crashfs::test {

inline const std::string kPycDataDir = std::string(CRASHFS_SOURCE_DIR) + "/tests/data/pyc/";

// The bytes of tests/data/pyc/NAME.
inline std::string read_pyc_fixture(const std::string& name) {
  std::ifstream in(kPycDataDir + name, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "missing " << kPycDataDir << name << " (regenerate with tests/data/pyc/generate.py)");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace crashfs::test
