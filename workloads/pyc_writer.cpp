// pyc_writer: writes a module's .pyc the way each generation of CPython's
// import system does, so crashfs can record and crash it.
//
//   pyc_writer --variant py27|py33|durable [--race] --source pkg/big.py
//              --template T.pyc --out PATH
//
// The template supplies a valid magic and marshal body (a pyc the real
// interpreter wrote for the same source); the writer patches the header's
// mtime (and size) from the source's stat, as the interpreter would.
//   py27     Python 2.7 import.c: unlink, open O_EXCL|O_CREAT|O_TRUNC, write
//            magic + zero mtime + body through a 4 KiB stdio buffer, fflush,
//            seek to 4, write the real mtime, close.  No fsync.  Needs a 2.x
//            template (8-byte header).
//   py33     Python 3.3+ importlib (_write_atomic, still so in 3.11): write
//            `{path}.{pid}` (O_EXCL) in one write(), close, rename onto the
//            path.  No fsync of the file or the directory.  3.x template.
//   durable  py33 plus fsync of the temporary file before the rename and
//            fsync of the directory after it (and of the parent of any
//            directory it had to create).
//   --race   two processes (fork) write the same pyc at the same moment, as
//            two interpreters importing the same module do.
// Exit status: 0 when written (or, like Python 2.7, silently skipped because
// another writer holds the exclusive create), 1 on I/O errors, 2 on usage.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace {

struct Options {
  std::string variant;
  bool race = false;
  std::string source;
  std::string template_path;
  std::string out;
};

struct SourceStat {
  std::int64_t sec = 0;
  std::int64_t nsec = 0;
  std::uint64_t size = 0;
  mode_t mode = 0644;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "pyc_writer: %s\n", what.c_str());
  std::exit(1);
}
std::string errno_text() { return std::strerror(errno); }

std::string le32(std::uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

std::uint16_t template_magic(const std::string& tmpl) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(tmpl[0]) | (static_cast<unsigned char>(tmpl[1]) << 8));
}
bool is_python2(std::uint16_t magic) { return magic >= 20000; }  // 2.x magics are 5xxxx-62xxx, 3.x 3xxx

// Header size by magic: 2.x and 3.0-3.2: 8; 3.3-3.6: 12; 3.7+: 16.
std::size_t header_size(std::uint16_t magic) {
  if (is_python2(magic)) return 8;
  if (magic < 3230) return 8;
  if (magic < 3394) return 12;
  return 16;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read the template " + path + ": " + errno_text() + " (see workloads/pyc/README.md)");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

SourceStat stat_source(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) die("cannot stat the source " + path + ": " + errno_text());
  return SourceStat{st.st_mtim.tv_sec, st.st_mtim.tv_nsec, static_cast<std::uint64_t>(st.st_size), st.st_mode};
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

void fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) die("cannot open directory " + dir + " to fsync it: " + errno_text());
  if (::fsync(fd) != 0) die("fsync of directory " + dir + " failed: " + errno_text());
  ::close(fd);
}

// importlib's set_data() creates missing parent directories (__pycache__).
// Returns the directories it created, outermost first.
std::vector<std::string> make_parents(const std::string& path) {
  std::vector<std::string> created;
  std::string dir = parent_dir(path);
  std::vector<std::string> missing;
  struct stat st{};
  while (dir != "." && dir != "/" && ::stat(dir.c_str(), &st) != 0) {
    missing.push_back(dir);
    dir = parent_dir(dir);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0777) != 0 && errno != EEXIST) die("cannot create directory " + *it + ": " + errno_text());
    created.push_back(*it);
  }
  return created;
}

// Python 2.7 import.c write_compiled_module().
void write_py27(const Options& opt, const std::string& tmpl, const SourceStat& src) {
  if (!is_python2(template_magic(tmpl)))
    die("--variant py27 needs a Python 2 template (magic 62211, 8-byte header): " + opt.template_path);
  const mode_t mode = src.mode & ~static_cast<mode_t>(S_IXUSR | S_IXGRP | S_IXOTH) & 07777;
  (void)::unlink(opt.out.c_str());
  const int fd = ::open(opt.out.c_str(), O_EXCL | O_CREAT | O_WRONLY | O_TRUNC, mode);
  if (fd < 0) {
    // Python 2.7 gives up silently ("# can't create" under -v): another writer won.
    std::fprintf(stderr, "# can't create %s: %s\n", opt.out.c_str(), errno_text().c_str());
    return;
  }
  FILE* fp = ::fdopen(fd, "wb");
  if (!fp) die("fdopen of " + opt.out + " failed: " + errno_text());
  static char buffer[4096];
  std::setvbuf(fp, buffer, _IOFBF, sizeof buffer);
  std::fwrite(tmpl.data(), 1, 4, fp);               // magic
  std::fwrite(le32(0).data(), 1, 4, fp);            // "First write a 0 for mtime"
  // marshal writes the body in small pieces; the stdio buffer turns them
  // into 4096-byte write()s at 4096-aligned offsets.
  for (std::size_t at = 8; at < tmpl.size(); at += 512)
    std::fwrite(tmpl.data() + at, 1, std::min<std::size_t>(512, tmpl.size() - at), fp);
  if (std::fflush(fp) != 0 || std::ferror(fp)) {
    std::fclose(fp);
    (void)::unlink(opt.out.c_str());
    die("cannot write " + opt.out + ": " + errno_text());
  }
  // "Now write the true mtime (as a 32-bit field)"
  std::fseek(fp, 4L, SEEK_SET);
  std::fwrite(le32(static_cast<std::uint32_t>(src.sec)).data(), 1, 4, fp);
  std::fflush(fp);
  std::fclose(fp);
}

// Python 3 importlib: _code_to_timestamp_pyc() + SourceFileLoader.set_data() + _write_atomic().
void write_py33(const Options& opt, const std::string& tmpl, const SourceStat& src, bool durable) {
  const std::uint16_t magic = template_magic(tmpl);
  if (is_python2(magic)) die("--variant " + opt.variant + " needs a Python 3 template, not " + opt.template_path);
  const std::size_t hsize = header_size(magic);
  // int(st_mtime) of the float st_mtime, masked to 32 bits.
  const auto mtime = static_cast<std::int64_t>(static_cast<double>(src.sec) + static_cast<double>(src.nsec) * 1e-9);
  std::string data = tmpl.substr(0, 4);
  if (hsize == 16) data += le32(0);  // flags: timestamp-based
  data += le32(static_cast<std::uint32_t>(mtime));
  if (hsize >= 12) data += le32(static_cast<std::uint32_t>(src.size));
  data += tmpl.substr(hsize);

  const std::vector<std::string> created = make_parents(opt.out);
  const mode_t mode = (src.mode | S_IWUSR) & 0666;  // _calc_mode(), then & 0o666
  const std::string tmp = opt.out + "." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_EXCL | O_CREAT | O_WRONLY, mode);
  if (fd < 0) die("cannot create " + tmp + ": " + errno_text());
  // One write(); importlib does not check its length.
  if (::write(fd, data.data(), data.size()) < 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    die("cannot write " + tmp + ": " + errno_text());
  }
  if (durable && ::fsync(fd) != 0) die("fsync of " + tmp + " failed: " + errno_text());
  ::close(fd);
  if (::rename(tmp.c_str(), opt.out.c_str()) != 0) {
    ::unlink(tmp.c_str());
    die("cannot rename " + tmp + " to " + opt.out + ": " + errno_text());
  }
  if (durable) {
    fsync_dir(parent_dir(opt.out));
    for (const std::string& dir : created) fsync_dir(parent_dir(dir));  // the new directories' entries
  }
}

void write_once(const Options& opt, const std::string& tmpl) {
  const SourceStat src = stat_source(opt.source);
  if (opt.variant == "py27")
    write_py27(opt, tmpl, src);
  else
    write_py33(opt, tmpl, src, opt.variant == "durable");
}

// Two writers released at the same moment by closing a pipe.
int race(const Options& opt, const std::string& tmpl) {
  int gate[2];
  if (::pipe(gate) != 0) die("pipe: " + errno_text());
  const pid_t child = ::fork();
  if (child < 0) die("fork: " + errno_text());
  if (child == 0) {
    ::close(gate[1]);
    char c;
    (void)::read(gate[0], &c, 1);  // returns 0 when the parent closes its end
    write_once(opt, tmpl);
    std::_Exit(0);
  }
  ::close(gate[0]);
  ::close(gate[1]);  // go
  write_once(opt, tmpl);
  int status = 0;
  if (::waitpid(child, &status, 0) < 0) die("waitpid: " + errno_text());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("the racing writer failed");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"Writes a .pyc the way CPython's import does (crashfs workload)"};
  app.add_option("--variant", opt.variant, "py27, py33 or durable")
      ->required()
      ->check(CLI::IsMember({"py27", "py33", "durable"}));
  app.add_flag("--race", opt.race, "two processes write the same pyc at once");
  app.add_option("--source", opt.source, "the module's source (its stat gives mtime and size)")->required();
  app.add_option("--template", opt.template_path, "a pyc the real interpreter wrote for that source")->required();
  app.add_option("--out", opt.out, "the pyc to write")->required();
  CLI11_PARSE(app, argc, argv);

  const std::string tmpl = read_file(opt.template_path);
  if (tmpl.size() < 17 || tmpl[2] != '\r' || tmpl[3] != '\n')
    die("the template " + opt.template_path +
        " is not a pyc (bad magic); regenerate it with workloads/pyc/make_templates.sh");
  if (opt.race) return race(opt, tmpl);
  write_once(opt, tmpl);
  return 0;
}
