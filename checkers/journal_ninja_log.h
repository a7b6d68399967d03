// Ninja's build log `.ninja_log` (journal:ninja-log), appended by ninja
// while it builds and never fsynced.
//
// journal:ninja-log — text (src/build_log.cc):
//   line 0   "# ninja log v<N>\n", N = 5, 6 or 7 (4 is read too).  Another
//            first line: ninja deletes the log, "starting over" (reset).
//   entries  "<start ms>\t<end ms>\t<mtime>\t<output path>\t<command hash>\n",
//            the hash in lowercase hex (v5+).  One line = one entry.
//   Reader:  a '\n'-terminated line with at least 4 tabs is used (numbers are
//            read with atoi/strtoull, which never fail); one with fewer tabs
//            is skipped and reading goes on (kSkip).  A last line without
//            '\n' is ignored: the torn tail.  A used line that does not
//            follow the writer's grammar (non-numeric times, extra tabs, NUL
//            bytes, non-hex hash: e.g. two half lines glued to a whole one)
//            is accepted garbage: reported as suspect (silent corruption).
#pragma once

#include <memory>

#include "checkers/journal_format.h"

namespace crashfs {

std::unique_ptr<JournalFormat> make_ninja_log_format();

}  // namespace crashfs
