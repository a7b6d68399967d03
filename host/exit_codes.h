// Exit codes of the crashfs command, shared by every subcommand and by the
// host-facing steps that decide them (opening a trace, recording).
#pragma once

namespace crashfs {

inline constexpr int kExitOk = 0;         // nothing wrong found
inline constexpr int kExitViolation = 1;  // a checker found a violation
inline constexpr int kExitUsage = 2;      // bad arguments or environment (missing file, no FUSE)
inline constexpr int kExitHarness = 3;    // crashfs itself failed (a checker timed out, a trace is damaged)
inline constexpr int kExitInconclusive = 4;  // nothing violated, but nothing (or too little) was really checked
inline constexpr int kExitCommandNotFound = 127;  // `crashfs record`: CMD was not found (as a shell says)

}  // namespace crashfs
