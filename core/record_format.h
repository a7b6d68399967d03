// Human-readable and JSON renderings of trace records, with paths resolved
// through a PathTracker (call them before tracker.apply(rec), so names are
// the ones the program used).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/path_tracker.h"
#include "core/trace_record.h"

namespace crashfs {

// `bytes` with every byte that is not printable ASCII escaped C-style:
// \n \r \t \\ \" and \xNN for the rest, so the result is one line of ASCII
// that names every byte exactly.
std::string escape_bytes(std::string_view bytes);

// "#41 python3[1234/1236] write __pycache__/m.pyc.1234 @0 +4096 fh=3"
std::string describe(const Record& rec, const PathTracker& paths);
// The syscall-level part only: "write __pycache__/m.pyc.1234 @0 +4096".
std::string describe_op(const Record& rec, const PathTracker& paths);

// Every field the record type carries, plus "path"/"new_path" and "comm".
// Data is summarized as "data_len" and, when short and printable, "data".
// Output records always carry "stream" ("stdout"/"stderr") and "data": all
// their bytes, escaped as by escape_bytes().
nlohmann::json to_json(const Record& rec, const PathTracker& paths);

}  // namespace crashfs
