// Text checks CPython's marshal reader makes on string payloads.
//
// Contract: pure predicates over raw bytes, no allocation.  They reproduce
// what the interpreter's C code accepts, not what Python-level functions
// accept (float() takes whitespace and underscores; marshal does not).
#pragma once

#include <string_view>

namespace crashfs::marshal {

// True if `bytes` decodes as UTF-8 with the "surrogatepass" error handler
// (how marshal decodes 'u'/'t' strings): strict UTF-8 (no overlong forms,
// nothing above U+10FFFF) except that encoded surrogates U+D800..U+DFFF are
// allowed.
bool is_utf8_surrogatepass(std::string_view bytes);

// True if PyOS_string_to_double(text, NULL, NULL) accepts `text` after
// marshal copied it into a NUL-terminated buffer (so it stops at the first
// NUL): [sign] (digits [. [digits]] | . digits) [(e|E) [sign] digits], or
// [sign] inf|infinity|nan in any case; nothing else, no surrounding
// whitespace.  Used for the text floats of marshal version 0/1 ('f', 'x').
bool is_python_float_text(std::string_view text);

}  // namespace crashfs::marshal
