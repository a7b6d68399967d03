// crashfs unmount DIR: clears a leftover crashfs mount (lazy unmount).
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "cli/commands.h"
#include "host/exit_codes.h"
#include "host/mount_table.h"

namespace crashfs::cli {
namespace {

// fusermount3 -u -z, for when umount2 is not permitted (not root).
bool fusermount_unmount(const std::string& dir) {
  const pid_t pid = fork();
  if (pid == 0) {
    execlp("fusermount3", "fusermount3", "-u", "-z", "--", dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int run_unmount(const std::string& dir_arg) {
  const std::string dir = absolute_path_lexically(dir_arg);
  int stacked = crashfs_mounts_at(dir);
  if (stacked == 0) {
    fmt::print(stderr, "crashfs unmount: no crashfs mount on {}: nothing to do\n", dir);
    return kExitUsage;
  }
  int cleared = 0;
  while (stacked > 0) {
    if (umount2(dir.c_str(), MNT_DETACH) != 0) {
      const int err = errno;
      if (!fusermount_unmount(dir)) {
        fmt::print(stderr, "crashfs unmount: cannot unmount {}: {} (try `fusermount3 -u -z {}` as root)\n", dir,
                   std::strerror(err), dir);
        return kExitHarness;
      }
    }
    ++cleared;
    const int left = crashfs_mounts_at(dir);
    if (left >= stacked) {
      fmt::print(stderr, "crashfs unmount: {} is still mounted after unmounting it\n", dir);
      return kExitHarness;
    }
    stacked = left;
  }
  fmt::print(stderr, "crashfs unmount: unmounted {} crashfs mount{} from {}\n", cleared, cleared == 1 ? "" : "s", dir);
  return kExitOk;
}

}  // namespace

void add_unmount_command(CLI::App& app, int& exit_code) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "unmount", "Clear a leftover crashfs mount on DIR (lazy unmount; processes inside get ENOTCONN)");
  cmd->add_option("dir", *dir, "Directory a crashfs recording was mounted on")->required();
  cmd->callback([dir, &exit_code] { exit_code = run_unmount(*dir); });
}

}  // namespace crashfs::cli
