// dir_swap: replaces the directory live/ (files a and b) with a staged one
// in one step, renameat2(RENAME_EXCHANGE), the way deployment tools swap a
// release in; each barrier can be left out.
//
//   dir_swap [--missing BARRIER]...   (in the cwd, where live/a and live/b exist)
//
// mkdir stage; write stage/a and stage/b ("new a\n", "new b\n"), each
// fsynced (BARRIER fsync-a, fsync-b); fsync stage (fsyncdir-stage);
// exchange stage and live; fsync . (fsyncdir-parent); print "swapped".
// A reader (`cat live/a live/b`) must see both old files or both new ones;
// after "swapped", the new ones.  Exit status 0, 1 on a failed call
// (named), 2 on usage.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>

#include <linux/fs.h>
#include <sys/syscall.h>

namespace {

int fail(const char* what) {
  std::fprintf(stderr, "dir_swap: %s: %s\n", what, std::strerror(errno));
  return 1;
}

int sync_path(const char* path, int flags) {
  const int fd = open(path, flags);
  if (fd < 0) return -1;
  const int r = fsync(fd);
  close(fd);
  return r;
}

int write_file(const char* path, const char* text, bool sync) {
  const int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
  if (fd < 0) return -1;
  const std::size_t n = std::strlen(text);
  if (write(fd, text, n) != static_cast<ssize_t>(n)) return -1;
  if (sync && fsync(fd) != 0) return -1;
  return close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  std::set<std::string> missing;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--missing" && i + 1 < argc) {
      missing.insert(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: dir_swap [--missing fsync-a|fsync-b|fsyncdir-stage|fsyncdir-parent]...\n");
      return 2;
    }
  }
  for (const std::string& m : missing)
    if (m != "fsync-a" && m != "fsync-b" && m != "fsyncdir-stage" && m != "fsyncdir-parent") {
      std::fprintf(stderr, "dir_swap: unknown barrier %s\n", m.c_str());
      return 2;
    }
  if (mkdir("stage", 0755) != 0) return fail("mkdir stage");
  if (write_file("stage/a", "new a\n", !missing.count("fsync-a")) != 0) return fail("write stage/a");
  if (write_file("stage/b", "new b\n", !missing.count("fsync-b")) != 0) return fail("write stage/b");
  if (!missing.count("fsyncdir-stage") && sync_path("stage", O_RDONLY | O_DIRECTORY) != 0) return fail("fsync stage");
  if (syscall(SYS_renameat2, AT_FDCWD, "stage", AT_FDCWD, "live", RENAME_EXCHANGE) != 0)
    return fail("renameat2(stage, live, RENAME_EXCHANGE)");
  if (!missing.count("fsyncdir-parent") && sync_path(".", O_RDONLY | O_DIRECTORY) != 0) return fail("fsync .");
  std::printf("swapped\n");
  std::fflush(stdout);
  return 0;
}
