// Markup escaping for the HTML and JUnit XML reports.
//
// Contract: the result of markup_text() is valid UTF-8 that is safe as
// element text or as a quoted attribute value in both HTML and XML 1.0,
// whatever the input bytes are.  File names and file contents in a trace are
// untrusted, so:
//   - & < > " ' become character references;
//   - bytes XML 1.0 cannot carry at all (C0 controls other than tab, LF, CR;
//     DEL; invalid or overlong UTF-8; U+FFFE / U+FFFF) are shown as the
//     literal text "\xNN", one per byte, so a reader still sees what was
//     there and no parser rejects the document.
// shell_quote() quotes one argument for a POSIX shell (commands we print for
// a person to paste: `crashfs replay ...`).
#pragma once

#include <string>
#include <string_view>

namespace crashfs {

std::string markup_text(std::string_view bytes);
std::string shell_quote(std::string_view arg);

}  // namespace crashfs
