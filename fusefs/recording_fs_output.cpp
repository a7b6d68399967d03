// RecordingFs: the output nodes (output_nodes.h): the workload's stdout and
// stderr as Output records, passed on to crashfs's own.
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "fusefs/recording_fs.h"
#include "fusefs/recording_fs_internal.h"

namespace crashfs::fusefs {

void RecordingFs::output_entry(fuse_req_t req, std::uint32_t stream) {
  fuse_entry_param e;
  std::memset(&e, 0, sizeof e);
  e.ino = output_node_of(stream);
  e.attr = output_.attributes(stream);
  // The size changes with every write: attributes are never cached, the
  // entry (which never changes) is.
  e.attr_timeout = 0;
  e.entry_timeout = options_.attr_timeout;
  fuse_reply_entry(req, &e);
}

void RecordingFs::output_getattr(fuse_req_t req, fuse_ino_t ino) {
  const struct stat st = output_.attributes(output_stream_of(ino));
  fuse_reply_attr(req, &st, 0);
}

void RecordingFs::output_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  // No backing descriptor and no Open record: the node is a stream.
  fi->fh = output_stream_of(ino);
  fi->direct_io = 1;  // every write(2) reaches us at once, in order
  fi->keep_cache = 0;
  fi->noflush = 1;    // nothing to flush at close: spare the round trip
  fuse_reply_open(req, fi);
}

void RecordingFs::output_write(fuse_req_t req, fuse_ino_t ino, fuse_bufvec* bufv) {
  const std::uint32_t stream = output_stream_of(ino);
  const std::size_t size = fuse_buf_size(bufv);
  int copy_err = 0;
  const char* data = write_bytes(bufv, size, copy_err);
  if (data == nullptr) return (void)fuse_reply_err(req, copy_err);
  const std::string_view bytes(data, size);
  spdlog::debug("output {} +{}", stream, size);
  if (journal_.recording()) {
    const Caller who = caller(req);
    auto lock = journal_.lock();
    Record rec;
    rec.type = RecordType::kOutput;
    rec.flags = stream;
    const Status st = journal_.append_chunked(rec, bytes, who);
    lock.unlock();
    if (!st) return fail_trace(req, st);
  }
  // Outside the journal lock: a slow terminal or a full pipe holds up this
  // write and the mutating requests queued after it (request_order.h), as
  // the workload itself would be held up natively, but not lookups (which
  // append Known records under that lock) or reads.
  output_.forward(stream, bytes);
  fuse_reply_write(req, size);
}

}  // namespace crashfs::fusefs
