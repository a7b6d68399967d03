// The pyc checker agrees with the real interpreters: for real pycs written
// by python3 (3.11 here) and python2.7, truncated at every length, zeroed
// from every block boundary, with one zeroed block, and byte-flipped (a
// seeded sample), the checker reports a violation exactly when the real
// interpreter's import of the module fails, and validate_pyc() says
// "recompiled" / "loads" exactly when the interpreter recompiles / loads.
//
// No mount.  One driver process per interpreter and module loads the module
// once per damaged pyc (tests/unmounted/pyc/import_driver.py, which
// documents how): the import system's own loader runs (header checks,
// marshal, code object creation, fallback recompilation) but not the
// module, so damaged bytecode that loads never runs: what it would do is
// the checker's silent-corruption case, judged by comparing bytes, not here.
// When the driver crashes or hangs on a case (FORMATS.md: 3.12.1 segfaulted
// on a flipped byte, 2.7 can hang on corrupt counts), marshal.loads() of
// that body in a fresh process tells a loader crash (the import fails) from
// a crash of the loaded code, and the driver restarts at the next case.
// A missing interpreter fails the test, naming it; nothing is skipped.
//
// Also a smoke test of workloads/pyc_writer: each variant's pyc is loaded by
// the real interpreter as is.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "checkers/pyc_checker.h"
#include "checkers/pyc_location.h"
#include "core/memory_state.h"

using namespace crashfs;
namespace fs = std::filesystem;

namespace {

const std::string kSourceDir = CRASHFS_SOURCE_DIR;
const std::string kDriver = kSourceDir + "/tests/unmounted/pyc/import_driver.py";
constexpr int kCaseTimeoutMs = 10'000;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Where the damaged pycs are written: tmpfs when there is one.  On ext4 every
// rewrite of a truncated file starts writeback (auto_da_alloc), which made
// each case cost milliseconds of waiting.
fs::path scratch_root() {
  if (::access("/dev/shm", W_OK | X_OK) == 0) return "/dev/shm";
  return fs::temp_directory_path();
}

bool runs(const std::string& exe) {
  const std::string cmd = "'" + exe + "' -c pass >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// `name` on PATH if it runs (a pyenv shim may exist but refuse), else the
// pyenv installation of `version`.  Never skips: a missing one fails.
std::string find_interpreter(const std::string& name, const std::string& version) {
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
      const std::string exe = dir + "/" + name;
      if (::access(exe.c_str(), X_OK) == 0 && runs(exe)) return exe;
    }
  }
  const char* root = std::getenv("PYENV_ROOT");
  const char* home = std::getenv("HOME");
  const fs::path versions = (root ? fs::path(root) : fs::path(home ? home : "/root") / ".pyenv") / "versions";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(versions, ec)) {
    const std::string v = entry.path().filename().string();
    const fs::path exe = entry.path() / "bin" / name;
    if (v.rfind(version + ".", 0) == 0 && runs(exe.string())) return exe.string();
  }
  BOOST_FAIL(name << " is not installed (neither on PATH nor under " << versions
                  << "): install it, e.g. `pyenv install " << version << "`; this test needs the real interpreter");
  return {};
}

// A child process whose stdout we read line by line with a timeout.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv, const std::string& stderr_path) {
    int out[2];
    BOOST_REQUIRE(::pipe(out) == 0);
    pid_ = ::fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) ::dup2(err, 2);
      ::close(out[0]);
      ::unsetenv("PYTHONDONTWRITEBYTECODE");  // the interpreters must (re)write pycs
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      std::_Exit(127);
    }
    ::close(out[1]);
    fd_ = out[0];
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The next line, or nullopt on EOF (the child exited or crashed) or timeout.
  std::optional<std::string> line(int timeout_ms, bool& timed_out) {
    timed_out = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string out = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return out;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        timed_out = true;
        return std::nullopt;
      }
      pollfd p{fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) continue;
      char chunk[4096];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

std::string run_capture(const std::vector<std::string>& argv, const std::string& stderr_path) {
  Child child(argv, stderr_path);
  bool timed_out = false;
  auto line = child.line(60'000, timed_out);
  BOOST_REQUIRE_MESSAGE(line, "`" << argv[0] << " " << argv[1] << " " << argv[2] << "` gave no output; see " << stderr_path);
  return *line;
}

// state == completed here, so the silent-corruption comparison never fires;
// no version was recorded.
class NoHistory : public VersionHistory {
 public:
  bool was_complete(std::string_view, const ContentHash&, Seq) const override { return false; }
};

struct Case {
  std::string kind;  // orig, trunc, zero, zblock, flip
  long a = 0, b = 0;
};

std::string damage(const std::string& pristine, const Case& c) {
  std::string d = pristine;
  if (c.kind == "trunc") d.resize(static_cast<std::size_t>(c.a));
  if (c.kind == "zero") std::fill(d.begin() + c.a, d.end(), '\0');
  if (c.kind == "zblock") {
    const long end = std::min<long>(c.a + c.b, static_cast<long>(d.size()));
    std::fill(d.begin() + c.a, d.begin() + end, '\0');
  }
  if (c.kind == "flip") d[static_cast<std::size_t>(c.a)] = static_cast<char>(d[static_cast<std::size_t>(c.a)] ^ c.b);
  return d;
}

// every_length: every truncation length (small pycs); otherwise the lengths
// around each 512-byte boundary.
std::vector<Case> make_cases(std::size_t size, bool every_length, int flips, unsigned seed) {
  std::vector<Case> cases{{"orig"}};
  for (std::size_t cut = 0; cut < size; ++cut) {
    const std::size_t r = cut % 512;
    if (every_length || cut < 64 || r == 0 || r == 1 || r == 511) cases.push_back({"trunc", static_cast<long>(cut)});
  }
  for (std::size_t at = 0; at < size; at += 512) cases.push_back({"zero", static_cast<long>(at)});
  for (std::size_t at = 0; at < 64; ++at) cases.push_back({"zero", static_cast<long>(at)});
  for (std::size_t at = 0; at < size; at += 512) cases.push_back({"zblock", static_cast<long>(at), 512});
  std::mt19937 rng(seed);
  for (int i = 0; i < flips; ++i)
    cases.push_back({"flip", static_cast<long>(rng() % size), static_cast<long>(1 + rng() % 255)});
  return cases;
}

// After the driver died on case `id`: did loading crash, or running the
// loaded module?  marshal.loads() of the body in a fresh process decides
// (import runs the same marshal reader).  A loader crash fails the import.
std::string probe(const std::string& python, const fs::path& dir, const std::string& module, std::size_t id,
                  bool timed_out, const std::string& err) {
  const std::string what = timed_out ? "timeout" : "crash";
  Child child({python, kDriver, "probe", dir.string(), module, (dir / "cases").string(), std::to_string(id)}, err);
  bool probe_timed_out = false;
  const auto line = child.line(kCaseTimeoutMs, probe_timed_out);
  if (line && line->find(" LOADS") != std::string::npos) return "LOADED (execution " + what + ")";
  return "CRASHED " + what + (line ? " (marshal: " + *line + ")" : "");
}

struct Agreement {
  std::size_t cases = 0, import_mismatches = 0, outcome_mismatches = 0;
  std::size_t crashes = 0;  // cases the driver died on (crash or hang), probed afterwards
  std::map<std::string, std::size_t> interpreter;  // LOADED / RECOMPILED / FAILED / CRASHED
};

// Runs one interpreter over one module's damaged pycs and compares.
Agreement agree(const std::string& python, const std::string& module_source, const std::string& label) {
  const fs::path dir = scratch_root() / ("crashfs-pyc-agree-" + std::to_string(::getpid()) + "-" + label);
  fs::remove_all(dir);
  fs::create_directories(dir);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() { std::error_code ec; fs::remove_all(dir, ec); }
  } cleanup{dir};
  const std::string module = fs::path(module_source).stem().string();
  fs::copy_file(module_source, dir / (module + ".py"));
  const std::string err = (dir / "driver.stderr").string();

  // Compile with the interpreter itself; its pyc is the pristine version.
  std::istringstream prepared(run_capture({python, kDriver, "prepare", dir.string(), module}, err));
  std::string pyc_path;
  prepared >> pyc_path;
  const std::string pristine = slurp(pyc_path);
  fs::copy_file(pyc_path, pyc_path + ".pristine");
  const std::string pyc_rel = fs::relative(pyc_path, dir).string();
  const auto loc = locate_pyc(pyc_rel);
  BOOST_REQUIRE(loc);
  struct stat st{};
  BOOST_REQUIRE(::stat((dir / (module + ".py")).c_str(), &st) == 0);
  const std::int64_t mtime_ns = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  const std::string source = slurp((dir / (module + ".py")).string());

  const bool small = pristine.size() < 16 * 1024;
  const std::vector<Case> cases = make_cases(pristine.size(), small, small ? 1500 : 500, 4242);
  {
    std::ofstream out(dir / "cases");
    for (std::size_t i = 0; i < cases.size(); ++i)
      out << i << ' ' << cases[i].kind << ' ' << cases[i].a << ' ' << cases[i].b << '\n';
  }

  std::vector<std::string> results(cases.size());
  std::size_t next = 0;
  while (next < cases.size()) {
    Child driver({python, kDriver, "run", dir.string(), module, (dir / "cases").string(), std::to_string(next)}, err);
    for (;;) {
      bool timed_out = false;
      const auto line = driver.line(kCaseTimeoutMs, timed_out);
      if (!line) {  // crash, hang or unexpected exit on the case in flight
        if (next < cases.size()) results[next] = probe(python, dir, module, next, timed_out, err), ++next;
        break;
      }
      std::istringstream fields(*line);
      std::size_t id = 0;
      fields >> id;
      BOOST_REQUIRE_MESSAGE(id == next, label << ": driver answered case " << id << ", expected " << next << ": " << *line);
      results[next++] = line->substr(line->find(' ') + 1);
      if (next == cases.size()) break;
    }
  }

  Agreement tally;
  auto checker = make_pyc_checker();
  const NoHistory no_history;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string damaged = damage(pristine, cases[i]);
    const std::string& real = results[i];
    const std::string real_kind = real.substr(0, real.find(' '));
    ++tally.cases;
    ++tally.interpreter[real_kind];
    if (real_kind == "CRASHED" || real.find("(execution") != std::string::npos) ++tally.crashes;
    const bool real_fails = real_kind == "FAILED" || real_kind == "CRASHED";

    MemoryState state;
    state.file(module + ".py", source, mtime_ns).file(pyc_rel, damaged);
    std::vector<Violation> violations;
    const CheckContext ctx{state, state, no_history, 0};
    checker->check(ctx, violations);
    const bool checker_fails = !violations.empty();

    const SourceInfo info{mtime_ns, static_cast<std::uint64_t>(st.st_size), source};
    const PycVerdict v = validate_pyc(damaged, info, loc->reader);
    const std::string predicted = v.outcome() == PycOutcome::kRegenerated ? "RECOMPILED"
                                  : v.outcome() == PycOutcome::kLoads     ? "LOADED"
                                                                          : "FAILED";
    const std::string case_text = cases[i].kind + " " + std::to_string(cases[i].a) + " " + std::to_string(cases[i].b);
    if (checker_fails != real_fails && ++tally.import_mismatches <= 15)
      BOOST_ERROR(label << " " << case_text << ": interpreter " << real << "; checker "
                        << (violations.empty() ? "ok" : violations[0].reason));
    const std::string real_outcome = real_kind == "CRASHED" ? "FAILED" : real_kind;
    if (predicted != real_outcome && ++tally.outcome_mismatches <= 15)
      BOOST_ERROR(label << " " << case_text << ": interpreter " << real << "; validate_pyc " << v.describe());
  }
  std::ostringstream summary;
  summary << label << ": " << tally.cases << " damaged pycs;";
  for (const auto& [kind, n] : tally.interpreter) summary << ' ' << kind << ' ' << n;
  summary << "; driver deaths " << tally.crashes << "; import-fails mismatches " << tally.import_mismatches
          << ", outcome mismatches " << tally.outcome_mismatches;
  BOOST_TEST_MESSAGE(summary.str());
  std::printf("%s\n", summary.str().c_str());
  return tally;
}

}  // namespace

BOOST_AUTO_TEST_CASE(checker_agrees_with_python3_importing_damaged_pycs) {
  const std::string python3 = find_interpreter("python3", "3");
  const auto start = std::chrono::steady_clock::now();
  std::size_t cases = 0;
  for (const auto& [source, label] : {std::pair{kSourceDir + "/tests/data/pyc/sample_common.py", "python3-sample_common"},
                                      std::pair{kSourceDir + "/tests/data/pyc/sample_modern.py", "python3-sample_modern"},
                                      std::pair{kSourceDir + "/workloads/pyc/big.py", "python3-big"}}) {
    const Agreement a = agree(python3, source, label);
    BOOST_TEST(a.import_mismatches == 0u, label);
    BOOST_TEST(a.outcome_mismatches == 0u, label);
    BOOST_TEST(a.interpreter.count("FAILED") == 1u, label << ": no damaged pyc failed: the test proves nothing");
    BOOST_TEST(a.interpreter.count("LOADED") == 1u);
    BOOST_TEST(a.interpreter.count("RECOMPILED") == 1u);
    cases += a.cases;
  }
  std::printf("python3: %zu cases in %.1f s\n", cases,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

BOOST_AUTO_TEST_CASE(checker_agrees_with_python2_7_importing_damaged_pycs) {
  const std::string python27 = find_interpreter("python2.7", "2.7");
  const auto start = std::chrono::steady_clock::now();
  std::size_t cases = 0;
  for (const auto& [source, label] : {std::pair{kSourceDir + "/tests/data/pyc/sample_common.py", "python2.7-sample_common"},
                                      std::pair{kSourceDir + "/workloads/pyc/big.py", "python2.7-big"}}) {
    const Agreement a = agree(python27, source, label);
    BOOST_TEST(a.import_mismatches == 0u, label);
    BOOST_TEST(a.outcome_mismatches == 0u, label);
    BOOST_TEST(a.interpreter.count("FAILED") == 1u, label << ": no damaged pyc failed: the test proves nothing");
    cases += a.cases;
  }
  std::printf("python2.7: %zu cases in %.1f s\n", cases,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

// Smoke test of workloads/pyc_writer: every variant, alone or racing, on a
// plain directory writes a pyc that the real interpreter loads as is (no
// recompilation) and that validate_pyc() accepts against the real source.
BOOST_AUTO_TEST_CASE(pyc_writer_variants_write_pycs_the_interpreters_load_without_recompiling) {
  const std::string writer = std::string(CRASHFS_WORKLOAD_DIR) + "/pyc_writer";
  BOOST_REQUIRE_MESSAGE(::access(writer.c_str(), X_OK) == 0, writer << " is missing: build the pyc_writer target");
  const std::string python3 = find_interpreter("python3", "3");
  const std::string python27 = find_interpreter("python2.7", "2.7");
  const std::string pyc_dir = kSourceDir + "/workloads/pyc/";
  for (const std::string variant : {"py27", "py33", "durable"}) {
    for (const bool race : {false, true}) {
      const std::string label = variant + (race ? " --race" : "");
      const fs::path dir = scratch_root() / ("crashfs-pyc-writer-" + std::to_string(::getpid()));
      fs::remove_all(dir);
      fs::create_directories(dir);
      struct Cleanup {
        fs::path dir;
        ~Cleanup() { std::error_code ec; fs::remove_all(dir, ec); }
      } cleanup{dir};
      fs::copy_file(pyc_dir + "big.py", dir / "big.py");
      const bool py2 = variant == "py27";
      const std::string out = py2 ? "big.pyc" : "__pycache__/big.cpython-311.pyc";
      std::vector<std::string> argv{writer, "--variant", variant, "--source", (dir / "big.py").string(),
                                    "--template", pyc_dir + (py2 ? "big.py27.pyc" : "big.py311.pyc"),
                                    "--out", (dir / out).string()};
      if (race) argv.push_back("--race");
      std::string cmd;
      for (const auto& a : argv) cmd += "'" + a + "' ";
      BOOST_REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, label << ": pyc_writer failed: " << cmd);

      const std::string written = slurp((dir / out).string());
      struct stat st{};
      BOOST_REQUIRE(::stat((dir / "big.py").c_str(), &st) == 0);
      const std::int64_t mtime_ns = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
      const auto loc = locate_pyc(out);
      const PycVerdict v = validate_pyc(written, SourceInfo{mtime_ns, static_cast<std::uint64_t>(st.st_size), std::nullopt},
                                        loc->reader);
      BOOST_TEST((v.outcome() == PycOutcome::kLoads), label << ": " << v.describe());
      BOOST_TEST(v.body.trailing == 0u, label);

      // The real interpreter uses it as is.  3.11 only reads a cpython-311 name.
      if (!py2 && run_capture({python3, "-c", "import sys; print(sys.implementation.cache_tag)"}, (dir / "err").string()) !=
                      "cpython-311")
        continue;
      fs::copy_file(dir / out, dir / (out + ".pristine"));
      { std::ofstream(dir / "cases") << "0 orig 0 0\n"; }
      Child driver({py2 ? python27 : python3, kDriver, "run", dir.string(), "big", (dir / "cases").string(), "0"},
                   (dir / "err").string());
      bool timed_out = false;
      const auto line = driver.line(60'000, timed_out);
      BOOST_TEST((line && *line == "0 LOADED"), label << ": interpreter says " << (line ? *line : "nothing"));
    }
  }
}
