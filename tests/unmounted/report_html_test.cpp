// The HTML report: rendered for a real exploration of a pyc-style trace
// (write a temporary file, rename it over the cache, no fsync), then loaded
// in headless Chromium, which must show the summary, the violation group,
// the hex view and the timeline, and paint a non-blank screenshot.  Also:
// hostile file names stay text, and long traces are capped around the
// violations.
//
// Needs Debian's `chromium` package; without it the Chromium tests fail
// naming the package (never skip).  No FUSE mount.  Set
// CRASHFS_KEEP_REPORT=DIR to keep the page and screenshot for a look.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "analysis/explain.h"
#include "checkers/atomic_checker.h"
#include "core/trace_builder.h"
#include "report/report.h"
#include "report/report_html.h"
#include "report/report_html_escape.h"

using namespace crashfs;
namespace fs = std::filesystem;

namespace {

const std::string kHostileName = std::string("<img src=x onerror=alert(1)>\x01\xff.pyc");

// A python-3.3-style cache write: body to a temporary name, rename over the
// cache; and a log that is appended and fsynced (a durability point).
struct PycScenario {
  TraceBuilder builder;
  Trace trace;
  MemoryBaseContent base;
  std::unique_ptr<Explorer> explorer;
  std::unique_ptr<Checker> checker = make_atomic_checker("**/*.pyc");
  CheckOptions options;
  CheckReport report;
  Explanation explanation;

  PycScenario() {
    std::string body(6000, '\0');
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>("marshal body "[i % 13]);
    builder.as_process(4242, "python3")
        .existing_file("build.log", "start\n")
        .mkdir("__pycache__")
        .create("__pycache__/m.pyc.4242")
        .write("__pycache__/m.pyc.4242", 0, "\x55\x0d\x0d\x0a header!" + body)
        .release("__pycache__/m.pyc.4242")
        .rename("__pycache__/m.pyc.4242", "__pycache__/m.pyc")
        .create("__pycache__/" + kHostileName)
        .append("__pycache__/" + kHostileName, "x")
        .append("build.log", "compiled m\n")
        .fsync("build.log");
    trace = builder.build();
    base = builder.base();
    explorer = std::make_unique<Explorer>(trace, &base);
    options.explore.models = {ModelKind::kProcessKill, ModelKind::kPosix};
    report = run_checks(*explorer, {checker.get()}, options);
    BOOST_REQUIRE_MESSAGE(!report.violations.empty(), "the unsynced rename must give atomic violations under posix");
    explanation = explain_by_hand();
  }

  // What the explain step reports for this bug (built here so the test does
  // not depend on the explain step).
  Explanation explain_by_hand() {
    const StateViolation* sv = nullptr;
    for (const auto& v : report.violations)
      if (v.violation.path == "__pycache__/m.pyc" && (sv == nullptr || v.violation.offset > sv->violation.offset)) sv = &v;
    BOOST_REQUIRE(sv != nullptr);
    Explanation e;
    ViolationGroup g;
    g.checker = sv->violation.checker;
    g.path = sv->violation.path;
    g.grade = sv->violation.grade;
    g.reason = sv->violation.reason;
    g.kind = CauseKind::kOrdering;
    g.models = {ModelKind::kPosix};
    g.violations = report.total_violations;
    g.states = report.total_violations;
    g.example_state = sv->state_id;
    g.explanation = "The rename persisted while the body write to the temporary file did not.";
    for (Seq seq : sv->violation.ops) g.ops.push_back(OpDescription{seq, describe_seq(*explorer, seq), "lost"});
    Fix fix;
    fix.path = "__pycache__/m.pyc.4242";
    fix.verified = true;
    fix.violations_removed = report.total_violations;
    fix.text = "add fsync(__pycache__/m.pyc.4242) after op #5 (write) before op #7 (rename)";
    g.fix = fix;
    e.groups.push_back(g);
    e.fsyncs_analyzed = true;
    e.durability.push_back(DurabilityVerdict{builder.last_seq(), describe_seq(*explorer, builder.last_seq()), false, ""});
    return e;
  }

  // What the explain step itself makes of it.
  Explanation explain_for_real() {
    ExplainOptions o;
    o.check = options;
    return explain(*explorer, &base, {checker.get()}, report, o);
  }

  std::string render() { return render_html(info(), report, explanation, *explorer); }
  static RunInfo info() { return {"/tmp/t/trace.cfs", {"python3", "-m", "compileall", "pkg"}, 0, {"atomic@**/*.pyc"}}; }
};

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

struct Run {
  int status = -1;
  std::string output;
};

Run run_shell(const std::string& command) {
  Run r;
  std::FILE* p = ::popen(command.c_str(), "r");
  BOOST_REQUIRE_MESSAGE(p != nullptr, "popen failed for: " << command);
  char buf[65536];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
  r.status = ::pclose(p);
  return r;
}

void require_chromium() {
  BOOST_REQUIRE_MESSAGE(run_shell("command -v chromium >/dev/null 2>&1").status == 0,
                        "chromium not found on PATH: install Debian's `chromium` package "
                        "(apt-get install -y chromium); the HTML report is tested in headless Chromium");
}

// Headless Chromium with no network, no profile reuse, bounded in time.
std::string chromium(const std::string& args, const std::string& profile) {
  return "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
         "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=" +
         profile + " " + args;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = "/tmp/crashfs-report-html-XXXXXX";
    BOOST_REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

}  // namespace

BOOST_AUTO_TEST_CASE(page_escapes_hostile_names_and_needs_no_network) {
  PycScenario s;
  const std::string page = s.render();
  BOOST_TEST(page.find("<img") == std::string::npos);
  BOOST_TEST(page.find("&lt;img src=x onerror=alert(1)&gt;\\x01\\xff.pyc") != std::string::npos);
  BOOST_TEST(page.find("http://") == std::string::npos);
  BOOST_TEST(page.find("https://") == std::string::npos);
  BOOST_TEST(count(page, "<script") == 1u);
}

BOOST_AUTO_TEST_CASE(hex_view_shows_the_crash_state_beside_what_was_written) {
  PycScenario s;
  const std::string page = s.render();
  BOOST_TEST(count(page, "<div class=\"case\"") == 1u);
  BOOST_TEST(page.find("<h4>crash state</h4>") != std::string::npos);
  BOOST_TEST(page.find("what was written (process-kill state after #") != std::string::npos);
  BOOST_TEST(page.find("<span class=\"d") != std::string::npos);  // some bytes differ
  BOOST_TEST(page.find("size 6012 bytes") != std::string::npos);  // the complete file, as written
}

BOOST_AUTO_TEST_CASE(chromium_renders_summary_group_hex_view_and_timeline) {
  require_chromium();
  PycScenario s;
  TempDir dir;
  const char* keep = std::getenv("CRASHFS_KEEP_REPORT");
  const std::string out_dir = keep != nullptr && *keep != '\0' ? keep : dir.path;
  fs::create_directories(out_dir);
  const std::string html = out_dir + "/report.html", png = out_dir + "/report.png";
  { std::ofstream(html, std::ios::binary) << s.render(); }

  const Run dom = run_shell(chromium("--dump-dom file://" + html, dir.path + "/profile-dom") + " 2>/dev/null");
  BOOST_REQUIRE_MESSAGE(dom.status == 0, "chromium --dump-dom failed with status " << dom.status);
  const std::string& d = dom.output;
  BOOST_TEST(d.find("id=\"summary-table\"") != std::string::npos);
  BOOST_TEST(count(d, "<tr class=\"cell ") == s.report.cells.size());
  std::size_t violating_cells = 0;
  for (const auto& [cell, verdict] : s.report.cells) violating_cells += verdict.violations ? 1 : 0;
  BOOST_TEST(violating_cells >= 1u);
  BOOST_TEST(count(d, "<tr class=\"cell violation\"") == violating_cells);
  BOOST_TEST(count(d, "<article class=\"group\"") == 1u);
  BOOST_TEST(d.find("Fix (verified)") != std::string::npos);
  BOOST_TEST(d.find("<select id=\"case-select\"") != std::string::npos);
  BOOST_TEST(d.find("<pre class=\"hex\">") != std::string::npos);
  BOOST_TEST(count(d, "<tr class=\"op") == s.trace.ops().size());
  BOOST_TEST(d.find("class=\"op dur") != std::string::npos);  // a durability row (maybe also a crash point)
  BOOST_TEST(d.find("op crash") != std::string::npos);
  BOOST_TEST(d.find("<img") == std::string::npos);  // the hostile name stayed text

  const Run shot = run_shell(chromium("--screenshot=" + png + " --window-size=1280,2000 file://" + html,
                                      dir.path + "/profile-shot") + " 2>&1");
  BOOST_REQUIRE_MESSAGE(shot.status == 0, "chromium --screenshot failed: " << shot.output);
  const std::string image = read_all(png);
  BOOST_REQUIRE_MESSAGE(image.size() > 24, "no screenshot at " << png);
  BOOST_TEST(image.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  BOOST_TEST(image.compare(12, 4, "IHDR") == 0);
  BOOST_TEST(be32(image, 16) == 1280u);
  BOOST_TEST(be32(image, 20) == 2000u);
  // A blank 1280x2000 page compresses to about 12 KB; text, tables and
  // hex dumps take several times that.
  BOOST_TEST(image.size() > 60'000u, "screenshot is " << image.size() << " bytes: blank page?");
}

BOOST_AUTO_TEST_CASE(page_shows_every_group_fix_and_fsync_verdict_of_the_explain_step) {
  PycScenario s;
  const Explanation e = s.explain_for_real();
  BOOST_REQUIRE(!e.groups.empty());
  const std::string page = render_html(PycScenario::info(), s.report, e, *s.explorer);
  if (const char* keep = std::getenv("CRASHFS_KEEP_REPORT"); keep != nullptr && *keep != '\0')
    std::ofstream(std::string(keep) + "/report-explained.html", std::ios::binary) << page;
  BOOST_TEST(count(page, "<article class=\"group\"") == e.groups.size());
  for (const ViolationGroup& g : e.groups) {
    BOOST_TEST(page.find(markup_text(g.explanation)) != std::string::npos);
    if (g.fix) BOOST_TEST(page.find(markup_text(g.fix->text)) != std::string::npos);
    BOOST_TEST(page.find("--state " + markup_text(shell_quote(g.example_state))) != std::string::npos);
  }
  BOOST_TEST(count(page, "<div class=\"case\"") == std::min(e.groups.size(), kMaxByteCases));
  if (e.fsyncs_analyzed) BOOST_TEST(count(page, "<tr class=\"fsync\">") == e.durability.size());
}

BOOST_AUTO_TEST_CASE(chromium_shows_the_violation_named_in_the_url) {
  require_chromium();
  PycScenario s;
  const Explanation e = s.explain_for_real();
  BOOST_REQUIRE(e.groups.size() >= 2u);
  TempDir dir;
  const std::string html = dir.path + "/report.html";
  { std::ofstream(html, std::ios::binary) << render_html(PycScenario::info(), s.report, e, *s.explorer); }
  const Run dom = run_shell(chromium("--dump-dom 'file://" + html + "#case-1'", dir.path + "/profile") + " 2>/dev/null");
  BOOST_REQUIRE_MESSAGE(dom.status == 0, "chromium --dump-dom failed with status " << dom.status);
  // The script ran: the second case is shown, the first hidden.
  BOOST_TEST(dom.output.find("<div class=\"case\" data-case=\"1\" id=\"case-1\">") != std::string::npos);
  BOOST_TEST(dom.output.find("<div class=\"case\" data-case=\"0\" id=\"case-0\" hidden=\"\">") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(long_trace_timeline_is_capped_around_the_violation) {
  TraceBuilder b;
  b.create("data.log");
  for (int i = 0; i < 3000; ++i) b.append("data.log", "entry\n");
  Trace trace = b.build();
  Explorer explorer(trace, nullptr);
  const Seq crash = trace.op_id(1500).seq;  // in the middle: rows are omitted before and after
  CheckReport report;
  report.cells[{ModelKind::kProcessKill, "journal"}] = CellVerdict{1, 1, 1};
  report.total_violations = 1;
  StateViolation sv;
  sv.violation = Violation{"journal", "data.log", 42, "torn entry", "torn-undetectable", {crash}};
  sv.model = ModelKind::kProcessKill;
  sv.state_id = "process-kill@" + std::to_string(crash);
  sv.point = OpId{crash, 0};
  report.violations.push_back(sv);

  const std::string page = render_html(RunInfo{"t.cfs", {}, 0, {}}, report, Explanation{}, explorer, 2000);
  BOOST_TEST(count(page, "<tr class=\"op") == 2000u);
  BOOST_TEST(page.find("Showing 2000 of 3001 operations") != std::string::npos);
  BOOST_TEST(page.find("id=\"op-" + std::to_string(crash) + "\"") != std::string::npos);
  BOOST_TEST(page.find("id=\"op-" + trace.op_id(0).to_string() + "\"") == std::string::npos);  // far from it
  BOOST_TEST(count(page, "<tr class=\"gap\"") == 2u);
  // Without explained groups the violation is still listed, with its bytes.
  BOOST_TEST(page.find("torn entry") != std::string::npos);
  BOOST_TEST(page.find("<pre class=\"hex\">") != std::string::npos);
}
