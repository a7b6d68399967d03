// journal_writer: faithful re-creations of the Shake database incident
// (../shared/seeds/003_*) and its fix, as a small program to run under
// `crashfs run`.  See workloads/journal/README.md for invocations.
//
//   --variant locked         several threads append entries under one mutex,
//                            each entry in several write() calls (frame
//                            head, then the payload in three pieces).  With
//                            --abort-after N the build "fails" after N
//                            entries and the threads are killed the way
//                            Shake killed them: thread 0 takes the lock,
//                            writes a prefix of its entry and is killed;
//                            thread 1 does the same; the remaining threads,
//                            which the kill reaches later, each complete the
//                            entry they were writing.  Two half entries end
//                            up in the middle of the file.  Exit status 1.
//   --variant single-writer  the fix: producer threads enqueue complete
//                            entries; one writer thread owns the file.  On
//                            abort the producers stop, and the writer
//                            finishes its current entry and drains the queue
//                            (Shake's writer masks the kill).  Exit status 1.
//   --variant acked          one writer; after each entry fdatasync(), then
//                            "ack N" on stdout.  The file's directory is
//                            fsynced after creation, so acked entries survive
//                            a power loss.  With --abort-after N the writer
//                            is killed mid-way through entry N.  Exit 1.
//                            --no-dir-fsync leaves the new file's directory
//                            entry unsynced: every fdatasync returns, yet a
//                            power loss may lose the whole file.
//   --variant placeholder    one writer; each entry as a zero frame head (a
//                            placeholder), then the payload, then the real
//                            head patched in with pwrite() at the entry's
//                            offset.  Killed between payload and patch, the
//                            file holds a zero-length "entry" the writer
//                            never wrote (length-prefixed formats).  With
//                            --datasync, fdatasync() after the payload and
//                            after the patch, then "ack N".
//
// Formats (the matching checker is --checker journal:FORMAT@FILE):
//   u32le         u32 LE payload length, payload
//   u32le+crc32c  u32 LE length, u32 LE mask_crc(crc32c(length ++ payload)),
//                 payload (checkers/journal_length_prefixed.h)
//   shake         Shake 0.16+ .shake.database: chunk(version string),
//                 chunk(witness table), then chunk(u16 witness, u32 id,
//                 value) records; chunk = u32 LE length + payload
//                 (checkers/journal_shake.h)
//
// Determinism: entry k's bytes depend only on k and the format.  In the
// normal phase the locked threads race for the mutex (any order gives the
// same kind of file: whole entries); the abort phase runs in a fixed order
// enforced by a turn counter, and a victim is killed by a handshake: it
// reports that it is mid-entry (frame head and two of three payload pieces
// written), the killer sets its kill flag, and the victim stops at its next
// cancellation point, releasing the lock as an unwinding thread would.
//
// Exit status: 0 all entries written, 1 aborted (the simulated failed build),
// 2 usage or I/O error.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/crc.hpp>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

// An I/O error ends the workload at once, whatever thread meets it: it is
// a harness problem, not the behaviour under test.
[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "journal_writer: %s\n", what.c_str());
  std::fflush(stderr);
  ::_exit(2);
}

void put32le(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t masked_crc32c(std::string_view a, std::string_view b) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(a.data(), a.size());
  crc.process_bytes(b.data(), b.size());
  const std::uint32_t c = crc.checksum();
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

// One entry as the writer issues it: a frame head, then the payload in
// three pieces, each its own write().
struct Entry {
  std::string head;
  std::string pieces[3];
};

class Format {
 public:
  explicit Format(std::string name) : name_(std::move(name)) {
    if (name_ != "u32le" && name_ != "u32le+crc32c" && name_ != "shake")
      throw CLI::ValidationError("--format", "unknown format '" + name_ + "'; use u32le, u32le+crc32c or shake");
  }

  // Bytes written once when the file is created (Shake's version and
  // witness chunks, each one write as Shake's writeChunk does).
  std::vector<std::string> header() const {
    if (name_ != "shake") return {};
    std::string table;
    const std::vector<std::string> witnesses = {"FileQ", "OracleQ"};
    put32le(table, static_cast<std::uint32_t>(witnesses.size()));
    for (const auto& w : witnesses) put32le(table, static_cast<std::uint32_t>(w.size()));
    for (const auto& w : witnesses) table += w;
    return {chunk("SHAKE-DATABASE-14-linux-x86_64-journal_writer\r\n"), chunk(table)};
  }

  Entry entry(std::uint32_t k) const {
    std::string payload;
    if (name_ == "shake") {
      payload.push_back(static_cast<char>(k % 2));  // u16 witness index
      payload.push_back(0);
      put32le(payload, k);  // u32 key id
    }
    // 96..160 bytes of text: a length read from the middle of an entry is
    // ASCII, i.e. huge, so torn framing never looks like a small entry.
    payload += "entry " + std::to_string(k) + ": rule output/" + std::to_string(k) + ".o built;";
    const std::size_t size = 96 + (k * 29) % 65;
    while (payload.size() < size) payload.push_back(static_cast<char>('a' + (payload.size() + k) % 26));

    Entry e;
    put32le(e.head, static_cast<std::uint32_t>(payload.size()));
    if (name_ == "u32le+crc32c") put32le(e.head, masked_crc32c(e.head, payload));
    const std::size_t third = payload.size() / 3;
    e.pieces[0] = payload.substr(0, third);
    e.pieces[1] = payload.substr(third, third);
    e.pieces[2] = payload.substr(2 * third);
    return e;
  }

 private:
  static std::string chunk(const std::string& payload) {
    std::string out;
    put32le(out, static_cast<std::uint32_t>(payload.size()));
    return out + payload;
  }
  std::string name_;
};

class File {
 public:
  explicit File(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("open " + path + ": " + std::strerror(errno) + "; check that its directory exists and is writable");
  }
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  void write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("write " + path_ + ": " + std::strerror(errno));
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void pwrite(std::string_view bytes, std::uint64_t offset) {
    while (!bytes.empty()) {
      const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("pwrite " + path_ + ": " + std::strerror(errno));
      bytes.remove_prefix(static_cast<std::size_t>(n));
      offset += static_cast<std::uint64_t>(n);
    }
  }
  void datasync() {
    if (::fdatasync(fd_) != 0) fail("fdatasync " + path_ + ": " + std::strerror(errno));
  }
  // Makes the file's creation durable (its directory entry).
  void sync_directory() {
    std::filesystem::path dir = std::filesystem::path(path_).parent_path();
    if (dir.empty()) dir = ".";
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) fail("open directory " + dir.string() + ": " + std::strerror(errno));
    const int rc = ::fsync(dfd);
    const int err = errno;
    ::close(dfd);
    if (rc != 0) fail("fsync directory " + dir.string() + ": " + std::strerror(err));
  }

 private:
  std::string path_;
  int fd_ = -1;
};

struct Options {
  std::string variant;
  std::string format;
  std::string out;
  unsigned threads = 4;
  std::uint32_t entries = 16;
  std::uint32_t abort_after = 0;  // 0: no abort
  bool no_dir_fsync = false;      // acked: leave the file's directory entry unsynced
  bool datasync = false;          // placeholder: fdatasync after the payload and after the patch
};

// ---- locked ----------------------------------------------------------------

class LockedRun {
 public:
  LockedRun(const Options& o, const Format& f, File& file) : o_(o), format_(f), file_(file), reported_(o.threads, 0), done_(o.threads, 0), killed_(o.threads) {}

  int run() {
    const std::uint32_t normal = o_.abort_after ? o_.abort_after : o_.entries;
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < o_.threads; ++t) workers.emplace_back([this, t, normal] { worker(t, normal); });
    if (o_.abort_after) abort_phase();
    for (auto& w : workers) w.join();
    if (!o_.abort_after) return 0;
    std::fprintf(stderr,
                 "journal_writer: build aborted after %u entries; threads 0 and 1 were killed mid-entry, "
                 "threads 2..%u finished their entries first\n",
                 o_.abort_after, o_.threads - 1);
    return 1;
  }

 private:
  void worker(unsigned t, std::uint32_t normal) {
    // Normal phase: race for the lock; one whole entry per critical section.
    for (;;) {
      std::lock_guard<std::mutex> lock(file_mutex_);
      if (next_ >= normal) break;
      const Entry e = format_.entry(next_++);
      file_.write(e.head);
      for (const auto& piece : e.pieces) file_.write(piece);
    }
    if (!o_.abort_after) return;
    // Abort phase: every normal entry is whole by now (each was written
    // inside the critical section that claimed it).  Wait for our turn.
    {
      std::unique_lock<std::mutex> lock(turn_mutex_);
      turn_cv_.wait(lock, [&] { return turn_ == t; });
    }
    const Entry e = format_.entry(normal + t);
    {
      std::lock_guard<std::mutex> lock(file_mutex_);  // released when "killed", as withLock does
      file_.write(e.head);
      file_.write(e.pieces[0]);
      file_.write(e.pieces[1]);
      report_mid_entry(t);
      if (!killed_[t].load()) file_.write(e.pieces[2]);  // cancellation point
    }
    next_turn(t);
  }

  // The killer: starts the turns and, for each thread in order, waits until
  // it is mid-entry; threads 0 and 1 are killed there, the others finish
  // their entry before the kill reaches them.  Per-thread flags, so no
  // report can be missed or overwritten.
  void abort_phase() {
    std::unique_lock<std::mutex> lock(turn_mutex_);
    turn_ = 0;
    turn_cv_.notify_all();
    for (unsigned t = 0; t < o_.threads; ++t) {
      turn_cv_.wait(lock, [&] { return reported_[t] != 0; });
      if (t < 2) killed_[t].store(true);
      turn_cv_.notify_all();
      turn_cv_.wait(lock, [&] { return done_[t] != 0; });
    }
  }

  void report_mid_entry(unsigned t) {
    std::unique_lock<std::mutex> lock(turn_mutex_);
    reported_[t] = 1;
    turn_cv_.notify_all();
    if (t < 2) turn_cv_.wait(lock, [&] { return killed_[t].load(); });
  }

  void next_turn(unsigned t) {
    std::lock_guard<std::mutex> lock(turn_mutex_);
    done_[t] = 1;
    turn_ = t + 1;
    turn_cv_.notify_all();
  }

  const Options& o_;
  const Format& format_;
  File& file_;
  std::mutex file_mutex_;
  std::uint32_t next_ = 0;  // guarded by file_mutex_
  std::mutex turn_mutex_;
  std::condition_variable turn_cv_;
  unsigned turn_ = ~0u;                // guarded by turn_mutex_, as are:
  std::vector<char> reported_, done_;  // thread t is mid-entry / finished its turn
  std::vector<std::atomic<bool>> killed_;
};

// ---- single-writer -----------------------------------------------------------

int run_single_writer(const Options& o, const Format& format, File& file) {
  const std::uint32_t total = o.abort_after ? o.abort_after : o.entries;
  std::mutex m;
  std::condition_variable cv;
  std::deque<Entry> queue;
  bool producers_done = false;
  std::atomic<std::uint32_t> next{0};

  // The writer owns the file: whole entries only, abort or not.
  std::thread writer([&] {
    for (;;) {
      Entry e;
      {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return !queue.empty() || producers_done; });
        if (queue.empty()) return;
        e = std::move(queue.front());
        queue.pop_front();
      }
      file.write(e.head);
      for (const auto& piece : e.pieces) file.write(piece);
    }
  });
  std::vector<std::thread> producers;
  for (unsigned t = 0; t < o.threads; ++t) {
    producers.emplace_back([&] {
      for (std::uint32_t k; (k = next.fetch_add(1)) < total;) {
        Entry e = format.entry(k);  // encoded by the producer: its errors stay its own
        std::lock_guard<std::mutex> lock(m);
        queue.push_back(std::move(e));
        cv.notify_one();
      }
    });
  }
  for (auto& p : producers) p.join();  // on abort: the producers are "killed" here
  {
    std::lock_guard<std::mutex> lock(m);
    producers_done = true;
    cv.notify_all();
  }
  writer.join();  // the writer drains the queue first
  if (!o.abort_after) return 0;
  std::fprintf(stderr, "journal_writer: build aborted after %u entries; the writer thread finished every queued entry\n",
               o.abort_after);
  return 1;
}

// ---- acked -----------------------------------------------------------------

int run_acked(const Options& o, const Format& format, File& file) {
  const std::uint32_t total = o.abort_after ? o.abort_after : o.entries;
  file.datasync();  // the header, if any
  if (!o.no_dir_fsync) file.sync_directory();
  for (std::uint32_t k = 0; k < total; ++k) {
    const Entry e = format.entry(k);
    file.write(e.head);
    for (const auto& piece : e.pieces) file.write(piece);
    file.datasync();
    std::printf("ack %u\n", k);
    std::fflush(stdout);
  }
  if (!o.abort_after) return 0;
  const Entry e = format.entry(total);  // killed mid-entry: unsynced, torn
  file.write(e.head);
  file.write(e.pieces[0]);
  std::fprintf(stderr, "journal_writer: killed while writing entry %u (entries 0..%u acked)\n", total, total - 1);
  return 1;
}

// ---- placeholder -----------------------------------------------------------

int run_placeholder(const Options& o, const Format& format, File& file) {
  std::uint64_t offset = 0;
  for (const auto& chunk : format.header()) offset += chunk.size();
  for (std::uint32_t k = 0; k < o.entries; ++k) {
    const Entry e = format.entry(k);
    file.write(std::string(e.head.size(), '\0'));  // the placeholder
    std::uint64_t size = e.head.size();
    for (const auto& piece : e.pieces) {
      file.write(piece);
      size += piece.size();
    }
    if (o.datasync) file.datasync();
    file.pwrite(e.head, offset);  // the real length, patched in
    if (o.datasync) {
      file.datasync();
      std::printf("ack %u\n", k);
      std::fflush(stdout);
    }
    offset += size;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Appends a length-prefixed journal the way the Shake incident's writers did (see workloads/journal/README.md)"};
  Options o;
  app.add_option("--variant", o.variant, "locked | single-writer | acked | placeholder")
      ->required()
      ->check(CLI::IsMember({"locked", "single-writer", "acked", "placeholder"}));
  app.add_option("--format", o.format, "u32le | u32le+crc32c | shake")->required();
  app.add_option("--out", o.out, "journal file to create (truncated if it exists)")->required();
  app.add_option("--threads", o.threads, "writer threads (locked) or producer threads (single-writer)")
      ->check(CLI::Range(1u, 64u));
  app.add_option("--entries", o.entries, "entries to write when not aborting")->check(CLI::Range(1u, 1000000u));
  app.add_option("--abort-after", o.abort_after, "abort the run after this many entries (0: never)");
  app.add_flag("--no-dir-fsync", o.no_dir_fsync, "acked: do not fsync the directory after creating the file");
  app.add_flag("--datasync", o.datasync, "placeholder: fdatasync after the payload and after the length patch, then ack");
  try {
    app.parse(argc, argv);
    if (o.variant == "locked" && o.abort_after && o.threads < 3)
      throw CLI::ValidationError("--threads", "locked with --abort-after needs at least 3 threads: 2 to kill mid-entry, 1 to finish");
    const Format format(o.format);
    File file(o.out);
    for (const auto& chunk : format.header()) file.write(chunk);
    if (o.variant == "locked") return LockedRun(o, format, file).run();
    if (o.variant == "single-writer") return run_single_writer(o, format, file);
    if (o.variant == "placeholder") return run_placeholder(o, format, file);
    return run_acked(o, format, file);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
}
