// Mounted mode in tests: `crashfs mount` / `view` daemons that never outlive
// the test, and crashfs commands run with a private state directory.
#pragma once

#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace crashfs::test {

// CRASHFS_RUN_DIR for every crashfs command of a test (so concurrent tests
// and a real /run/crashfs never see each other's state files).
inline RunOptions crashfs_env(const std::string& run_dir, std::chrono::milliseconds timeout = 120s) {
  RunOptions opt;
  opt.env = {{"CRASHFS_RUN_DIR", run_dir}};
  opt.timeout = timeout;
  return opt;
}

inline RunResult crashfs_cmd(const std::string& run_dir, std::vector<std::string> args) {
  args.insert(args.begin(), crashfs_binary());
  return run(args, crashfs_env(run_dir));
}

// A background crashfs mount (or view) on `dir`, started by `start_args`
// (e.g. {"mount", "--trace", T, DIR}); at scope end `crashfs unmount DIR`
// if it is still mounted, then no mount may be left (MountGuard).
class Daemon {
 public:
  Daemon(std::string run_dir, std::string dir, const std::vector<std::string>& start_args)
      : run_dir_(std::move(run_dir)), dir_(std::move(dir)), guard_(dir_) {
    started = crashfs_cmd(run_dir_, start_args);
  }
  ~Daemon() {
    if (is_mounted(dir_)) crashfs_cmd(run_dir_, {"unmount", dir_});
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  RunResult unmount() { return crashfs_cmd(run_dir_, {"unmount", dir_}); }
  pid_t pid() const { return static_cast<pid_t>(std::stol(started.out)); }

  RunResult started;

 private:
  std::string run_dir_;
  std::string dir_;
  MountGuard guard_;
};

}  // namespace crashfs::test
