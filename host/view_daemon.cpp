#include "host/view_daemon.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/explorer.h"
#include "fusefs/state_fs.h"
#include "fusefs/trace_writer.h"
#include "host/daemon.h"
#include "host/directory_base_content.h"
#include "host/exit_codes.h"
#include "host/mentioned_entries.h"
#include "host/mount_state.h"
#include "host/mount_table.h"
#include "host/trace_file.h"

namespace crashfs::host {
namespace {

constexpr const char* kName = "crashfs view";

int fail(int code, const std::string& message) {
  fmt::print(stderr, "{}: {}\n", kName, message);
  return code;
}

}  // namespace

int start_view_daemon(ViewOptions options) {
  options.trace = std::filesystem::absolute(options.trace).lexically_normal().string();
  char resolved[PATH_MAX];
  if (realpath(options.dir.c_str(), resolved) == nullptr) {
    return fail(kExitUsage, fmt::format("mount point {}: {} (create an empty directory to mount the state on{})",
                                        options.dir, std::strerror(errno),
                                        errno == ENOTCONN ? fmt::format(", or `crashfs unmount {}`", options.dir)
                                                          : ""));
  }
  const std::string dir = resolved;
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(kExitUsage, fmt::format("mount point {} is not a directory", dir));
  }
  if (crashfs_mounts_at(dir) > 0) {
    return fail(kExitUsage, fmt::format("{} is already a crashfs mount: `crashfs unmount {}` first", dir, dir));
  }
  if (options.log.empty()) options.log = mount_log_path(dir);

  TraceFile file;
  if (Status s = file.open(options.trace); !s) return fail(TraceFile::exit_code_for(s), s.message());
  StateSpec spec;
  if (Status s = StateSpec::parse(options.state, spec); !s) return fail(kExitUsage, s.message());
  std::unique_ptr<DirectoryBaseContent> base;
  if (Status s = open_state_base(file.trace().recorded_dir(), options.base, base); !s) {
    return fail(kExitUsage, s.message());
  }
  if (!base) {
    return fail(kExitUsage, fmt::format("the recorded directory {} cannot be opened, so untouched files cannot be "
                                        "shown: pass --base DIR (a copy of it after the run)",
                                        file.trace().recorded_dir()));
  }
  Explorer explorer(file.trace(), base.get());
  fusefs::StateFs::Source source;
  if (Status s = explorer.build(spec, source.image); !s) {
    return fail(kExitUsage,
                fmt::format("{} (list the states with `crashfs explore {} --list`)", s.message(), options.trace));
  }
  const MentionedEntries mentioned = mentioned_entries(file.trace());
  StateBuilder& builder = explorer.builder();
  source.base = &builder.base();
  source.mentioned = [&mentioned](NodeId dir_node, std::string_view name) {
    return mentioned.count({dir_node, name}) > 0;
  };
  std::map<NodeId, Fd> base_dirs;  // opened on first use, kept while serving
  source.base_dir_of = [&](NodeId dir_node) {
    if (builder.initial().node(dir_node) == nullptr) return -1;  // created by the run: nothing untouched
    auto it = base_dirs.find(dir_node);
    if (it == base_dirs.end()) {
      int fd = -1;
      const auto path = builder.base().final_path(dir_node);
      if (!path || !open_dir_beneath(base->fd(), *path, fd)) fd = -1;
      it = base_dirs.emplace(dir_node, Fd(fd)).first;
    }
    return it->second.get();
  };
  const std::string description = explorer.describe(spec);

  const int code = start_daemon(kName, options.log, [&](DaemonChannel& channel) {
    fusefs::StateFs fs(std::move(source));
    if (Status s = fs.mount(dir); !s) channel.fail(MountError{kExitUsage, s.message()});
    struct stat answered {};
    if (stat(dir.c_str(), &answered) != 0) {
      fs.stop();
      channel.fail(MountError{kExitHarness, fmt::format("the view on {} does not answer a stat: {}", dir,
                                                        std::strerror(errno))});
    }
    MountState state;
    state.kind = "view";
    state.pid = getpid();
    state.pid_start = process_start_time(state.pid);
    state.dir = dir;
    state.trace = options.trace;
    state.state = spec.id();
    state.log = options.log;
    state.since_ns = fusefs::realtime_ns();
    if (Status s = write_mount_state(state); !s) {
      fs.stop();
      channel.fail(MountError{kExitUsage, s.message()});
    }
    spdlog::info("{}: serving state {} of {} on {} (pid {})", kName, spec.id(), options.trace, dir, getpid());
    channel.ready();
    serve_until_stopped(kName, dir, nullptr);
    fs.stop();
    remove_mount_state(dir);
    spdlog::info("{}: unmounted {}", kName, dir);
    return kExitOk;
  });
  if (code == kExitOk) {
    fmt::print(stderr, "{}: state {} of {} is mounted read-only on {}\n  {}\nend with `crashfs unmount {}`\n", kName,
               spec.id(), options.trace, dir, description, dir);
  }
  return code;
}

}  // namespace crashfs::host
