#include "host/recording_mount.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "fusefs/fuse_mount.h"
#include "fusefs/recording_fs.h"
#include "fusefs/trace_writer.h"
#include "host/exit_codes.h"
#include "host/mount_state.h"
#include "host/mount_table.h"

namespace crashfs::host {
namespace {

MountError usage(std::string message) { return MountError{kExitUsage, std::move(message)}; }

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

MountError check_fuse_device() {
  if (access("/dev/fuse", R_OK | W_OK) == 0) return {};
  if (errno == EACCES || errno == EPERM) {
    return usage(
        "FUSE is not available to this user: /dev/fuse is not readable and writable by it; run crashfs "
        "as root, or give the user access to /dev/fuse (e.g. chmod 0666 /dev/fuse)");
  }
  return usage(fmt::format("FUSE is not available: /dev/fuse {}; load the fuse module (modprobe fuse) "
                           "or run the container with --device /dev/fuse --cap-add SYS_ADMIN",
                           errno == ENOENT ? "missing" : std::strerror(errno)));
}

// The Session record's data: what was recorded, by which crashfs, when.
std::string session_json(const std::string& dir, const std::vector<std::string>& command) {
  nlohmann::json j;
  j["dir"] = dir;
  j["command"] = command;
  j["crashfs"] = "0.1.0";
  j["started_ns"] = fusefs::realtime_ns();
  return j.dump();
}

}  // namespace

std::string describe_size(std::uint64_t bytes) {
  if (bytes < 10 * 1024) return fmt::format("{} B", bytes);
  if (bytes < 10 * 1024 * 1024) return fmt::format("{:.1f} KiB", bytes / 1024.0);
  return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024.0));
}

Status clear_crashfs_mounts(const std::string& dir, int& cleared) {
  cleared = 0;
  int stacked = crashfs_mounts_at(dir);
  while (stacked > 0) {
    if (umount2(dir.c_str(), MNT_DETACH) != 0) {
      const int err = errno;
      if (!fusermount_unmount(dir)) {
        return Status::io_error(
            fmt::format("cannot unmount {}: {} (try `fusermount3 -u -z {}` as root)", dir, std::strerror(err), dir));
      }
    }
    ++cleared;
    const int left = crashfs_mounts_at(dir);
    if (left >= stacked) return Status::io_error(fmt::format("{} is still mounted after unmounting it", dir));
    stacked = left;
  }
  return Status::ok();
}

RecordingMount::RecordingMount() = default;

RecordingMount::~RecordingMount() { (void)finish(std::chrono::milliseconds(0)); }

MountError RecordingMount::prepare(const MountOptions& opt,
                                   const std::function<MountError(const std::string& dir)>& before_open) {
  options_ = opt;
  const std::string lexical = absolute_path_lexically(opt.dir);
  if (opt.clear_dead_mount && crashfs_mounts_at(lexical) > 0) {
    struct stat st {};
    if (stat(lexical.c_str(), &st) != 0 && errno == ENOTCONN) {
      int cleared = 0;
      if (Status s = clear_crashfs_mounts(lexical, cleared); !s) return usage(s.message());
      spdlog::info("crashfs: cleared a dead crashfs mount on {}", lexical);
    }
  }
  char resolved[PATH_MAX];
  if (realpath(opt.dir.c_str(), resolved) == nullptr) {
    const int err = errno;
    if (err == ENOTCONN) {
      return usage(fmt::format("{}: a dead mount (transport endpoint is not connected): clear it with "
                               "`crashfs unmount {}`",
                               opt.dir, opt.dir));
    }
    return usage(fmt::format("directory {} does not exist ({}): create it or pass an existing directory", opt.dir,
                             std::strerror(err)));
  }
  dir_ = resolved;
  struct stat dir_st {};
  if (stat(dir_.c_str(), &dir_st) != 0 || !S_ISDIR(dir_st.st_mode)) {
    return usage(fmt::format("{} is not a directory: pass a directory to record", dir_));
  }
  if (MountError e = check_fuse_device()) return e;
  if (crashfs_mounts_at(dir_) > 0) {
    return usage(fmt::format("{} is already a crashfs mount (another recording, or a leftover: "
                             "`crashfs unmount {}` clears it)",
                             dir_, dir_));
  }
  if (before_open) {
    if (MountError e = before_open(dir_)) return e;
  }
  if (!opt.no_record) {
    writer_ = std::make_unique<fusefs::TraceWriter>();
    if (Status st = writer_->open(opt.trace); !st) return usage(st.message());
  }
  const int root_fd = open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return usage(fmt::format("cannot open {}: {}", dir_, std::strerror(errno)));
  fusefs::FsOptions fs_options;
  fs_options.real_fsync = opt.real_fsync;
  if (writer_ && opt.capture_output) {
    fs_options.capture_output = true;
    fs_options.forward_stdout = STDOUT_FILENO;
    fs_options.forward_stderr = STDERR_FILENO;
  }
  fs_ = std::make_unique<fusefs::RecordingFs>(root_fd, writer_.get(), fs_options);
  if (Status st = fs_->begin(session_json(dir_, opt.command)); !st) return usage(st.message());
  return {};
}

MountError RecordingMount::mount() {
  // The kernel already applied the caller's umask to every mode it sends.
  umask(0);
  // crashfs keeps a descriptor per node the kernel knows (as passthrough_hp
  // does) and one per writer thread (process_table.h): the usual soft limit
  // of 1024 would fail a big tree with EMFILE.  A workload forked before
  // keeps its own limit.
  if (rlimit lim{}; getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) spdlog::debug("crashfs: cannot raise the descriptor limit");
  }
  if (Status st = fusefs::FuseMount::mount(*fs_, dir_, mount_); !st) return usage(st.message());
  mount_->serve();
  // The kernel sends the stat to the loop just started: once it answers,
  // any process may rely on the mount.
  struct stat st {};
  if (stat(dir_.c_str(), &st) != 0) {
    return MountError{kExitHarness, fmt::format("the mount on {} does not answer a stat: {}", dir_,
                                                std::strerror(errno))};
  }
  since_ns_ = fusefs::realtime_ns();
  if (Status s = write_state(); !s) {
    if (options_.state_required) return usage(s.message());
    spdlog::warn("crashfs: {} (`crashfs status` and `crashfs mark` will not find this mount)", s.message());
  } else {
    state_written_ = true;
  }
  return {};
}

Status RecordingMount::write_state() {
  MountState state;
  state.pid = getpid();
  state.pid_start = process_start_time(state.pid);
  state.dir = dir_;
  state.trace = writer_ ? std::filesystem::absolute(options_.trace).lexically_normal().string() : "";
  state.log = options_.log;
  state.since_ns = since_ns_;
  state.records = records();
  state.bytes = bytes();
  state_records_ = state.records;
  return write_mount_state(state);
}

void RecordingMount::tick() {
  if (!fs_) return;
  (void)fs_->push_trace();
  if (state_written_ && records() != state_records_) (void)write_state();
}

std::uint64_t RecordingMount::records() const { return writer_ ? writer_->records() : 0; }
std::uint64_t RecordingMount::bytes() const { return writer_ ? writer_->bytes() : 0; }

MountError RecordingMount::finish(std::chrono::milliseconds release_wait) {
  if (finished_ || !fs_) return {};
  finished_ = true;
  if (mount_) {
    if (!fs_->wait_until_released(release_wait)) unreleased_ = fs_->open_files();
    mount_->stop();
    mount_.reset();
  }
  if (state_written_) remove_mount_state(dir_);
  if (!writer_) return {};
  const Status closed = writer_->close();
  if (!fs_->failure() || !closed) {
    return MountError{kExitHarness, fmt::format("the trace is incomplete: {}", !fs_->failure()
                                                                                  ? fs_->failure().message()
                                                                                  : closed.message())};
  }
  return {};
}

}  // namespace crashfs::host
