#include "host/mount_daemon.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "host/daemon.h"
#include "host/exit_codes.h"
#include "host/mount_state.h"
#include "host/mount_table.h"

namespace crashfs::host {
namespace {

constexpr auto kReleaseWait = std::chrono::milliseconds(2000);
constexpr const char* kName = "crashfs mount";

int serve(const MountOptions& options, DaemonChannel& channel) {
  RecordingMount recording;
  if (MountError e = recording.prepare(options)) channel.fail(e);
  if (MountError e = recording.mount()) {
    (void)recording.finish(std::chrono::milliseconds(0));
    channel.fail(e);
  }
  const std::string dir = recording.dir();
  spdlog::info("{}: serving {} (pid {}), recording to {}", kName, dir, getpid(), options.trace);
  channel.ready();
  serve_until_stopped(kName, dir, [&recording] { recording.tick(); });
  const MountError finished = recording.finish(kReleaseWait);
  if (recording.unreleased() > 0) {
    spdlog::warn("{}: {} file(s) were still open when {} was unmounted: their release is not recorded", kName,
                 recording.unreleased(), dir);
  }
  if (finished) {
    spdlog::error("{}: {}", kName, finished.message);
    return finished.code;
  }
  spdlog::info("{}: unmounted {}; {} records, {} in {}", kName, dir, recording.records(),
               describe_size(recording.bytes()), options.trace);
  return kExitOk;
}

}  // namespace

int start_mount_daemon(MountOptions options) {
  options.trace = std::filesystem::absolute(options.trace).lexically_normal().string();
  const std::string dir = absolute_path_lexically(options.dir);
  if (options.log.empty()) options.log = mount_log_path(dir);
  options.state_required = true;
  options.clear_dead_mount = true;
  const int code = start_daemon(kName, options.log, [&](DaemonChannel& channel) { return serve(options, channel); });
  if (code == kExitOk) {
    fmt::print(stderr, "{}: {} is recorded to {} (log {}); end with `crashfs unmount {}`\n", kName, dir,
               options.trace, options.log, dir);
  }
  return code;
}

}  // namespace crashfs::host
