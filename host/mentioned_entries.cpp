#include "host/mentioned_entries.h"

namespace crashfs::host {

MentionedEntries mentioned_entries(const Trace& trace) {
  MentionedEntries out;
  for (const Record& rec : trace.records()) {
    switch (rec.type) {
      case RecordType::kKnown:
      case RecordType::kCreate:
      case RecordType::kMkdir:
      case RecordType::kMknod:
      case RecordType::kSymlink:
      case RecordType::kUnlink:
      case RecordType::kRmdir:
        out.emplace(rec.parent, rec.name);
        break;
      case RecordType::kRename:
        out.emplace(rec.parent, rec.name);
        out.emplace(rec.new_parent, rec.new_name);
        break;
      case RecordType::kLink:
        out.emplace(rec.new_parent, rec.new_name);
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace crashfs::host
