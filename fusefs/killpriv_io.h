// KillprivIo: asks the kernel for FUSE_HANDLE_KILLPRIV_V2, which libfuse
// 3.14 cannot negotiate.
//
// Without it the kernel sends GETXATTR("security.capability") before every
// single write (to decide whether to clear privileges), doubling the
// requests of a small-write workload.  With it the kernel marks the mount
// SB_NOSEC, stops asking, and leaves clearing setuid/setgid bits on write
// and truncate to the file system (RecordingFs does it for callers that are
// not root; root keeps them, as CAP_FSETID does).
//
// It installs libfuse custom I/O on the mounted session's descriptor: plain
// read(2)/writev(2), except that the INIT reply gets the flag when the
// kernel offered it.  One mounted session per process.
#pragma once

struct fuse_session;

namespace crashfs::fusefs {

// Call after fuse_session_mount() and before the first request is read.
// Returns false (and changes nothing) if libfuse refused the custom I/O.
bool request_killpriv_v2(fuse_session* session);

}  // namespace crashfs::fusefs
