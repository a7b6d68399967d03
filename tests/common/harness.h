// Test harness shared by the mounted tests (tests/integration, which include
// it through tests/integration/harness.h) and the unmounted ones
// (tests/unmounted).
//
// Header-only: include it once per test executable.  What it gives you:
//
//   TempDir dir;                       // mkdtemp under $TMPDIR (default /tmp) as crashfs-test-PID-*, removed at scope end
//   dir / "a.txt"                      // path inside it
//   RunResult r = run({"sh", "-c", "..."}, in_dir(dir.path()));   // with a timeout, output captured
//   Process p = start({...});  p.signal(SIGINT);  p.wait();          // for kill tests
//   RunResult r = record(dir.path(), trace, {"python3", "-m", "compileall", "pkg"});
//                                      // runs CRASHFS_BINARY record --dir DIR --trace TRACE -- argv
//   MountGuard guard(dir.path());      // whatever happens, no crashfs mount is left on dir
//   Trace t = read_trace(trace);       // every record (views into t's own buffer) + reader status
//   std::string diff = compare_trees(a, b);   // "" when equal, else one line per difference
//   workload("mt_writer")              // path of a program built from workloads/
//
// Exit codes in RunResult follow the shell: 128+N when killed by signal N.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/path_tracker.h"
#include "core/record_format.h"
#include "core/trace_codec.h"
#include "core/trace_record.h"
#include "host/mount_table.h"

namespace crashfs::test {

using namespace std::chrono_literals;

// ---------------------------------------------------------------- files

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("harness: cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::string& path, std::string_view content, mode_t mode = 0644) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("harness: cannot write " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("harness: short write to " + path);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

// Path of a program built from workloads/NAME.cpp.
inline std::string workload(const std::string& name) { return std::string(CRASHFS_WORKLOAD_DIR) + "/" + name; }

// ---------------------------------------------------------------- temp dirs

inline std::string temp_root() {
  const char* t = std::getenv("TMPDIR");
  return (t != nullptr && *t != '\0') ? t : "/tmp";
}

inline constexpr const char* kTempPrefix = "crashfs-test-";

// The prefix of this process's temporary directories: TMPDIR resolved (the
// mount table holds resolved paths) and the pid, so that a test module
// that looks for mounts it left behind never counts those of a module
// running beside it (ctest -j).
inline std::string own_temp_prefix() {
  char resolved[PATH_MAX];
  const std::string root = temp_root();
  return std::string(realpath(root.c_str(), resolved) != nullptr ? resolved : root) + "/" + kTempPrefix +
         std::to_string(getpid()) + "-";
}

// A fresh directory, removed (recursively) at scope end.  It never removes
// anything while a crashfs mount sits on it: it unmounts first.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = own_temp_prefix() + "XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("harness: mkdtemp failed: " + std::string(strerror(errno)));
    char resolved[PATH_MAX];
    path_ = realpath(tmpl.c_str(), resolved) != nullptr ? resolved : tmpl;
  }
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(std::string_view rel) const { return path_ + "/" + std::string(rel); }

 private:
  std::string path_;
};

// ---------------------------------------------------------------- processes

struct RunOptions {
  std::string cwd;                                          // default: inherited
  std::vector<std::pair<std::string, std::string>> env;     // set these
  std::vector<std::string> unset_env;                       // and remove these
  std::chrono::milliseconds timeout = 120s;                 // then SIGKILL of the process group
  std::string stdin_data;                                   // fed on stdin (default: empty)
};

// RunOptions with cwd set (designated initializers warn under -Wextra).
inline RunOptions in_dir(const std::string& cwd) {
  RunOptions opt;
  opt.cwd = cwd;
  return opt;
}

struct RunResult {
  int exit_code = -1;  // 128+N for signal N
  bool timed_out = false;
  std::string out;
  std::string err;
  // "exit 0" / "timed out" plus the captured output, for assertion messages.
  std::string describe() const {
    return (timed_out ? std::string("timed out") : "exit " + std::to_string(exit_code)) + "\n--- stdout:\n" + out +
           "\n--- stderr:\n" + err;
  }
};

// A running command in its own process group, output going to temp files.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const RunOptions& opt) : timeout_(opt.timeout) {
    out_path_ = files_.path() + "/stdout";
    err_path_ = files_.path() + "/stderr";
    const std::string in_path = files_.path() + "/stdin";
    write_file(in_path, opt.stdin_data);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("harness: fork failed");
    if (pid_ == 0) {
      setpgid(0, 0);
      const int in = ::open(in_path.c_str(), O_RDONLY);
      const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      if (!opt.cwd.empty() && chdir(opt.cwd.c_str()) != 0) _exit(125);
      for (const auto& [k, v] : opt.env) setenv(k.c_str(), v.c_str(), 1);
      for (const auto& k : opt.unset_env) unsetenv(k.c_str());
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    setpgid(pid_, pid_);
    started_ = std::chrono::steady_clock::now();
  }
  ~Process() {
    if (pid_ > 0 && !reaped_) {
      ::kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Signals the process itself (not its group).
  void signal(int sig) const { ::kill(pid_, sig); }
  // Waits for exit (or the timeout: then the whole group gets SIGKILL).
  RunResult wait() {
    RunResult r;
    int status = 0;
    for (;;) {
      const pid_t done = waitpid(pid_, &status, WNOHANG);
      if (done == pid_) break;
      if (std::chrono::steady_clock::now() - started_ > timeout_) {
        r.timed_out = true;
        ::kill(-pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(2ms);
    }
    reaped_ = true;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_file(out_path_);
    r.err = read_file(err_path_);
    return r;
  }
  // Output so far (the process may still run).
  std::string stderr_so_far() const { return read_file(err_path_); }

 private:
  TempDir files_;
  std::string out_path_;
  std::string err_path_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::chrono::milliseconds timeout_;
  std::chrono::steady_clock::time_point started_;
};

inline RunResult run(const std::vector<std::string>& argv, const RunOptions& opt = {}) {
  Process p(argv, opt);
  return p.wait();
}

// ---------------------------------------------------------------- mounts

inline bool is_mounted(const std::string& dir) { return host::crashfs_mounts_at(dir) > 0; }

// Polls until no crashfs mount is on `dir`; false after `timeout`.
inline bool wait_unmounted(const std::string& dir, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (is_mounted(dir)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// Lazily unmounts every crashfs mount on `dir` (fusermount3 -u -z, with a timeout).
inline void force_unmount(const std::string& dir) {
  for (int i = 0; i < 8 && is_mounted(dir); ++i) {
    RunOptions opt;
    opt.timeout = 10s;
    run({"fusermount3", "-u", "-z", dir}, opt);
  }
}

// At scope end, no crashfs mount is left on `dir`: a mount still there is
// a test failure, and is unmounted.
class MountGuard {
 public:
  explicit MountGuard(std::string dir) : dir_(std::move(dir)) {}
  ~MountGuard() {
    if (!wait_unmounted(dir_, 3s)) {
      BOOST_ERROR("a crashfs mount was left on " << dir_ << "; unmounting it");
      force_unmount(dir_);
    }
  }
  MountGuard(const MountGuard&) = delete;
  MountGuard& operator=(const MountGuard&) = delete;

 private:
  std::string dir_;
};

// A mount still on the directory is a failure of the test that made it
// (a test must unmount what it mounts), then unmounted so the directory
// can go.
inline TempDir::~TempDir() {
  if (is_mounted(path_)) {
    BOOST_ERROR("a crashfs mount was left on " << path_ << " at the end of its scope; unmounting it");
    force_unmount(path_);
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

// ---------------------------------------------------------------- crashfs

inline std::string crashfs_binary() { return CRASHFS_BINARY; }

// crashfs record --dir DIR --trace TRACE [extra...] -- argv, with the
// harness's timeout and a MountGuard on DIR.
inline RunResult record(const std::string& dir, const std::string& trace, const std::vector<std::string>& argv,
                        const std::vector<std::string>& extra = {}, RunOptions opt = {}) {
  MountGuard guard(dir);
  std::vector<std::string> cmd = {crashfs_binary(), "record", "--dir", dir, "--trace", trace};
  cmd.insert(cmd.end(), extra.begin(), extra.end());
  cmd.push_back("--");
  cmd.insert(cmd.end(), argv.begin(), argv.end());
  return run(cmd, opt);
}

// A whole trace, decoded.  Records hold views into `bytes`.
struct Trace {
  std::unique_ptr<std::string> bytes;
  std::vector<Record> records;
  Status status;                   // the reader's verdict (ok for a clean or torn end)
  std::uint64_t torn_tail_bytes = 0;

  // Records of one type, in trace order.
  std::vector<const Record*> of_type(RecordType type) const {
    std::vector<const Record*> out;
    for (const Record& r : records)
      if (r.type == type) out.push_back(&r);
    return out;
  }
  // The trace as `crashfs dump` prints it (for assertion messages).
  std::string text() const {
    PathTracker paths;
    std::string out;
    for (const Record& r : records) {
      out += describe(r, paths);
      out += '\n';
      paths.apply(r);
    }
    return out;
  }
};

inline Trace read_trace(const std::string& path) {
  Trace t;
  t.bytes = std::make_unique<std::string>(read_file(path));
  TraceReader reader(*t.bytes);
  Record rec;
  while (reader.next(rec)) t.records.push_back(rec);
  t.status = reader.status();
  t.torn_tail_bytes = reader.torn_tail_bytes();
  return t;
}

// ---------------------------------------------------------------- trees

struct CompareOptions {
  // Relative paths left out of the comparison: exact names, or a prefix
  // ending in '/' for a whole subtree.
  std::vector<std::string> ignore;
  bool compare_modes = true;  // permission bits (type is always compared)
};

namespace detail {

struct TreeEntry {
  mode_t mode = 0;
  std::string link_target;
};

inline void walk(const std::string& root, const std::string& rel, std::map<std::string, TreeEntry>& out) {
  const std::string dir = rel.empty() ? root : root + "/" + rel;
  DIR* dp = opendir(dir.c_str());
  if (dp == nullptr) throw std::runtime_error("harness: cannot list " + dir + ": " + std::strerror(errno));
  while (const dirent* e = readdir(dp)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string child_rel = rel.empty() ? name : rel + "/" + name;
    struct stat st {};
    if (lstat((root + "/" + child_rel).c_str(), &st) != 0) continue;
    TreeEntry entry;
    entry.mode = st.st_mode;
    if (S_ISLNK(st.st_mode)) {
      char buf[PATH_MAX];
      const ssize_t n = readlink((root + "/" + child_rel).c_str(), buf, sizeof buf);
      if (n >= 0) entry.link_target.assign(buf, static_cast<std::size_t>(n));
    }
    out[child_rel] = entry;
    if (S_ISDIR(st.st_mode)) walk(root, child_rel, out);
  }
  closedir(dp);
}

inline bool ignored(const std::string& rel, const CompareOptions& opt) {
  return std::any_of(opt.ignore.begin(), opt.ignore.end(), [&](const std::string& pattern) {
    if (!pattern.empty() && pattern.back() == '/') return rel.rfind(pattern, 0) == 0 || rel + "/" == pattern;
    return rel == pattern;
  });
}

inline const char* type_name(mode_t mode) {
  if (S_ISREG(mode)) return "file";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISLNK(mode)) return "symlink";
  return "special file";
}

}  // namespace detail

// Compares two trees byte for byte: the set of paths, each entry's type,
// permission bits, regular file contents and symlink targets (not times,
// owners or directory sizes).  Returns "" when equal, else one readable
// line per difference.
inline std::string compare_trees(const std::string& a, const std::string& b, const CompareOptions& opt = {}) {
  std::map<std::string, detail::TreeEntry> ta;
  std::map<std::string, detail::TreeEntry> tb;
  detail::walk(a, "", ta);
  detail::walk(b, "", tb);
  std::ostringstream diff;
  for (const auto& [rel, ea] : ta) {
    if (detail::ignored(rel, opt)) continue;
    auto it = tb.find(rel);
    if (it == tb.end()) {
      diff << "only in " << a << ": " << rel << "\n";
      continue;
    }
    const detail::TreeEntry& eb = it->second;
    if ((ea.mode & S_IFMT) != (eb.mode & S_IFMT)) {
      diff << "type differs: " << rel << " (" << detail::type_name(ea.mode) << " vs " << detail::type_name(eb.mode)
           << ")\n";
      continue;
    }
    if (opt.compare_modes && !S_ISLNK(ea.mode) && (ea.mode & 07777) != (eb.mode & 07777)) {
      diff << "mode differs: " << rel << " (" << std::oct << (ea.mode & 07777) << " vs " << (eb.mode & 07777)
           << std::dec << ")\n";
    }
    if (S_ISLNK(ea.mode) && ea.link_target != eb.link_target) {
      diff << "symlink target differs: " << rel << " (" << ea.link_target << " vs " << eb.link_target << ")\n";
    }
    if (S_ISREG(ea.mode)) {
      const std::string ca = read_file(a + "/" + rel);
      const std::string cb = read_file(b + "/" + rel);
      if (ca != cb) {
        const auto mismatch = std::mismatch(ca.begin(), ca.end(), cb.begin(), cb.end());
        diff << "content differs: " << rel << " (" << ca.size() << " vs " << cb.size()
             << " bytes, first difference at byte " << (mismatch.first - ca.begin()) << ")\n";
      }
    }
  }
  for (const auto& [rel, eb] : tb) {
    if (!detail::ignored(rel, opt) && ta.find(rel) == ta.end()) diff << "only in " << b << ": " << rel << "\n";
  }
  return diff.str();
}

}  // namespace crashfs::test

