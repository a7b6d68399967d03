// Acknowledgements from a trace: the moments the program told someone that
// something is done (`--ack REGEX`).
//
// Every mark label (kMark records: `crashfs mark`, or the
// user.crashfs.mark xattr) and every line the workload wrote to its stdout
// or stderr (kOutput records) that REGEX matches is an acknowledgement.
// Its moment is the number of operations recorded before it: an operation
// the program completed before writing the line (or setting the mark) lies
// before it in the trace, so the acknowledgement covers it.
//
// REGEX is ECMAScript syntax (std::regex) and matches anywhere in the label
// or line (use ^...$ to anchor); a line is matched without its newline.
#pragma once

#include <string>
#include <vector>

#include "core/check_context.h"
#include "core/status.h"
#include "core/trace.h"

namespace crashfs {

// Appends the acknowledgements of `trace` that `pattern` matches to `out`,
// in trace order.  An invalid pattern is kInvalidArgument (the message
// names it and the error).
Status collect_acknowledgements(const Trace& trace, const std::string& pattern, std::vector<Acknowledgement>& out);

// Checks `pattern` without a trace (for validating options early).
Status validate_ack_pattern(const std::string& pattern);

}  // namespace crashfs
