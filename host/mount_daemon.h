// The `crashfs mount` daemon: a RecordingMount (host/recording_mount.h)
// served in the background until `crashfs unmount DIR` (SIGTERM).
//
// start_mount_daemon() runs it with host/daemon.h (fork, setsid, log,
// readiness through a pipe).  In detail: the child leaves the caller's session
// (setsid), logs to options.log (stdin from /dev/null), mounts, and once
// the mount answers a stat and its state file is written it tells the
// parent through a pipe; only then does the parent print the daemon's pid
// on stdout and return kExitOk, so a CI step after `crashfs mount` finds
// the mount serving.  An error before readiness comes back through the
// pipe: the parent prints it and returns its exit code (2 for bad input or
// environment, 3 when crashfs failed); nothing is left mounted.
//
// The daemon ends on SIGTERM, SIGINT, SIGHUP or SIGQUIT, and when its mount
// disappears (someone unmounted it): it waits a little for open files to
// be released, unmounts lazily (processes still inside get ENOTCONN),
// closes the trace (every record written) and removes the state file, then
// exits (0, or 3 when the trace is incomplete; the log says why).
#pragma once

#include "host/recording_mount.h"

namespace crashfs::host {

// Returns the exit code of `crashfs mount` (in the parent only).
int start_mount_daemon(MountOptions options);

}  // namespace crashfs::host
