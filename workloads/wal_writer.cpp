// wal_writer: a write-ahead log in front of a page overwritten in place,
// the pattern of database engines, with the log record's fsync left out
// unless --fixed.
//
//   wal_writer write [--updates N] [--fixed]    (in the cwd; default 3 updates)
//   wal_writer recover                          (prints what recovery reads)
//
// write: creates data.db (one 8 KiB page of 'a') and an empty wal.log,
// fsyncs both and the directory; then per update k (value 'b' + k):
// append the record "page=V\n" to wal.log (fsync(wal.log) only with
// --fixed), overwrite the whole page in data.db with V (two sectors: a
// power loss can tear it), fdatasync(data.db), truncate wal.log to 0 and
// fsync it (the checkpoint), print "committed K".
//
// recover: the value of the last complete record in wal.log if there is
// one (the log is replayed over the page), else the set of distinct bytes
// in data.db's page ("b" whole, "ab" torn); "no database" without data.db.
//
// Without --fixed a power loss can keep the torn page while losing the
// record that would repair it: recovery reads "bc", a value the program
// never wrote.  Exit status 0, 1 on a failed call (named), 2 on usage.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

namespace {

int fail(const char* what) {
  std::fprintf(stderr, "wal_writer: %s: %s\n", what, std::strerror(errno));
  return 1;
}

int write_all(int fd, const std::string& bytes, off_t at) {
  return pwrite(fd, bytes.data(), bytes.size(), at) == static_cast<ssize_t>(bytes.size()) ? 0 : -1;
}

std::string read_all(const char* path, bool& ok) {
  std::string out;
  const int fd = open(path, O_RDONLY);
  ok = fd >= 0;
  if (!ok) return out;
  char buf[8192];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fd);
  return out;
}

int recover() {
  bool ok = false;
  const std::string log = read_all("wal.log", ok);
  const auto at = log.rfind("page=");
  if (ok && at != std::string::npos && at + 7 <= log.size() && log[at + 6] == '\n') {
    std::printf("%c\n", log[at + 5]);
    return 0;
  }
  const std::string page = read_all("data.db", ok);
  if (!ok) {
    std::printf("no database\n");  // before the writer made it
    return 0;
  }
  const std::set<char> chars(page.begin(), page.end());
  std::printf("%s\n", std::string(chars.begin(), chars.end()).c_str());
  return 0;
}

int write(int updates, bool fixed) {
  const int data = open("data.db", O_CREAT | O_TRUNC | O_RDWR, 0644);
  if (data < 0) return fail("create data.db");
  if (write_all(data, std::string(8192, 'a'), 0) != 0 || fsync(data) != 0) return fail("write data.db");
  const int log = open("wal.log", O_CREAT | O_TRUNC | O_RDWR | O_APPEND, 0644);
  if (log < 0 || fsync(log) != 0) return fail("create wal.log");
  const int dir = open(".", O_RDONLY | O_DIRECTORY);
  if (dir < 0 || fsync(dir) != 0) return fail("fsync .");
  for (int k = 0; k < updates; ++k) {
    const char v = static_cast<char>('b' + k);
    const std::string record = std::string("page=") + v + "\n";
    if (::write(log, record.data(), record.size()) != static_cast<ssize_t>(record.size())) return fail("append wal.log");
    if (fixed && fsync(log) != 0) return fail("fsync wal.log");
    if (write_all(data, std::string(8192, v), 0) != 0) return fail("write data.db");
    if (fdatasync(data) != 0) return fail("fdatasync data.db");
    if (ftruncate(log, 0) != 0 || fsync(log) != 0) return fail("truncate wal.log");
    std::printf("committed %d\n", k + 1);
    std::fflush(stdout);
  }
  close(dir);
  close(log);
  close(data);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "recover") == 0) return recover();
  if (argc < 2 || std::strcmp(argv[1], "write") != 0) {
    std::fprintf(stderr, "usage: wal_writer write [--updates N] [--fixed] | wal_writer recover\n");
    return 2;
  }
  int updates = 3;
  bool fixed = false;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--fixed") == 0) fixed = true;
    else if (std::strcmp(argv[i], "--updates") == 0 && i + 1 < argc) updates = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "wal_writer: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (updates < 1 || updates > 20) {
    std::fprintf(stderr, "wal_writer: --updates must be 1..20\n");
    return 2;
  }
  return write(updates, fixed);
}
