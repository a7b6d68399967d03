// The JUnit XML report: well-formed for any file name, one testcase per
// model x checker, failures carrying the grouped explanation, harness errors
// as <error>.  Pure rendering (no mount); the XML is checked with python3's
// xml.etree, the parser CI tooling in Python uses.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "report/report_html_escape.h"
#include "report/report_junit.h"

using namespace crashfs;

namespace {

// A path with everything XML cannot carry raw: markup, a control byte,
// invalid UTF-8, and a valid non-ASCII character.
const std::string kHostilePath = std::string("__pycache__/m<&>\"'\x01\x1f.pyc.\xff\xfe") + "\xc3\xa9";

CheckReport fake_report() {
  CheckReport r;
  r.cells[{ModelKind::kPosix, "pyc"}] = CellVerdict{120, 4, 7};
  r.cells[{ModelKind::kProcessKill, "pyc"}] = CellVerdict{30, 0, 0};
  r.cells[{ModelKind::kPosix, "atomic"}] = CellVerdict{120, 1, 1};
  r.total_violations = 8;
  StateViolation sv;
  sv.violation = Violation{"atomic", "conf", 12, "differs from every complete version", "not-atomic", {5}};
  sv.model = ModelKind::kPosix;
  sv.state_id = "posix@9-o5";
  sv.point = OpId{9, 0};
  sv.state_description = "crash after #9 rename; lost #5 write conf @0 +40";
  r.violations.push_back(sv);
  r.harness_errors.push_back("checker pyc threw on \x02state posix@3: out of memory");
  return r;
}

Explanation fake_explanation() {
  Explanation e;
  ViolationGroup g;
  g.checker = "pyc";
  g.path = kHostilePath;
  g.grade = "bad-body";
  g.reason = "header valid but body does not load: bad marshal data";
  g.kind = CauseKind::kOrdering;
  g.models = {ModelKind::kPosix};
  g.violations = 7;
  g.states = 4;
  g.example_state = "posix@43-o41";
  g.explanation = "The rename persisted while the body write did not.";
  g.ops = {OpDescription{41, "#41 python3[12/12] write __pycache__/m.pyc.12 @0 +4096", "lost"},
           OpDescription{43, "#43 python3[12/12] rename __pycache__/m.pyc.12 -> __pycache__/m.pyc", "persisted (exposes it)"}};
  Fix fix;
  fix.path = "__pycache__/m.pyc.12";
  fix.after_op = 41;
  fix.before_op = 43;
  fix.verified = true;
  fix.violations_removed = 7;
  fix.text = "add fsync(__pycache__/m.pyc.12) after op #41 (write) before op #43 (rename)";
  g.fix = fix;
  e.groups.push_back(g);
  return e;
}

RunInfo fake_info() {
  return RunInfo{"/tmp/run dir/trace.cfs", {"python3", "-m", "compileall", "pkg"}, 0, {"pyc", "atomic@conf"}};
}

// Parses `xml` with python3's xml.etree and returns what the test needs.
nlohmann::json parse_with_python(const std::string& xml) {
  char tmpl[] = "/tmp/crashfs-junit-XXXXXX";
  const int fd = mkstemp(tmpl);
  BOOST_REQUIRE(fd >= 0);
  ::close(fd);
  { std::ofstream(tmpl, std::ios::binary) << xml; }
  const std::string script = R"PY(
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = root.findall('testsuite')
out = {'root': root.tag, 'suites': [dict(s.attrib) for s in suites], 'cases': []}
for s in suites:
    for c in s.findall('testcase'):
        f, e = c.find('failure'), c.find('error')
        out['cases'].append({'classname': c.get('classname'), 'name': c.get('name'), 'time': c.get('time'),
            'failure': None if f is None else {'message': f.get('message'), 'text': f.text or ''},
            'error': None if e is None else {'message': e.get('message'), 'text': e.text or ''}})
print(json.dumps(out))
)PY";
  const std::string script_path = std::string(tmpl) + ".py";
  { std::ofstream(script_path) << script; }
  const std::string command = "python3 " + script_path + " " + tmpl + " 2>&1";
  std::FILE* p = ::popen(command.c_str(), "r");
  BOOST_REQUIRE(p != nullptr);
  std::string output;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) output.append(buf, n);
  const int status = ::pclose(p);
  std::remove(tmpl);
  std::remove(script_path.c_str());
  BOOST_TEST_INFO("python3 xml.etree output: " << output);
  BOOST_REQUIRE(status == 0);
  return nlohmann::json::parse(output);
}

const nlohmann::json* find_case(const nlohmann::json& parsed, const std::string& classname, const std::string& name) {
  for (const auto& c : parsed["cases"])
    if (c["classname"] == classname && c["name"] == name) return &c;
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(markup_text_escapes_markup_and_shows_bytes_xml_cannot_carry) {
  BOOST_TEST(markup_text("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;");
  BOOST_TEST(markup_text(std::string("x\x01y\x7f")) == "x\\x01y\\x7f");
  BOOST_TEST(markup_text("tab\tnl\n") == "tab\tnl\n");
  BOOST_TEST(markup_text("\xc3\xa9") == "\xc3\xa9");               // valid UTF-8 kept
  BOOST_TEST(markup_text("\xff\xc3") == "\\xff\\xc3");               // invalid and truncated
  BOOST_TEST(markup_text("\xc0\xaf") == "\\xc0\\xaf");               // overlong '/'
  BOOST_TEST(markup_text("\xed\xa0\x80") == "\\xed\\xa0\\x80");      // surrogate
  BOOST_TEST(markup_text("\xef\xbf\xbe") == "\\xef\\xbf\\xbe");      // U+FFFE
}

BOOST_AUTO_TEST_CASE(shell_quote_leaves_plain_words_and_quotes_the_rest) {
  BOOST_TEST(shell_quote("posix@43-o41,45") == "posix@43-o41,45");
  BOOST_TEST(shell_quote("/tmp/run dir/t") == "'/tmp/run dir/t'");
  BOOST_TEST(shell_quote("it's") == "'it'\\''s'");
  BOOST_TEST(shell_quote("") == "''");
}

BOOST_AUTO_TEST_CASE(junit_is_well_formed_with_one_testcase_per_model_and_checker) {
  const std::string xml = render_junit(fake_info(), fake_report(), fake_explanation(), 2.5);
  const nlohmann::json parsed = parse_with_python(xml);
  BOOST_TEST(parsed["root"] == "testsuites");
  BOOST_REQUIRE(parsed["suites"].size() == 1u);
  const auto& suite = parsed["suites"][0];
  BOOST_TEST(suite["name"] == "crashfs");
  BOOST_TEST(suite["tests"] == "4");  // 3 cells + harness
  BOOST_TEST(suite["failures"] == "2");
  BOOST_TEST(suite["errors"] == "1");
  BOOST_TEST(suite["time"] == "2.500");
  BOOST_TEST(parsed["cases"].size() == 4u);
  const auto* clean = find_case(parsed, "crashfs.process-kill", "pyc");
  BOOST_REQUIRE(clean != nullptr);
  BOOST_TEST((*clean)["failure"].is_null());
  BOOST_TEST((*clean)["error"].is_null());
}

BOOST_AUTO_TEST_CASE(failure_carries_the_grouped_explanation_fix_and_replay_command) {
  const nlohmann::json parsed = parse_with_python(render_junit(fake_info(), fake_report(), fake_explanation()));
  const auto* cell = find_case(parsed, "crashfs.posix", "pyc");
  BOOST_REQUIRE(cell != nullptr);
  BOOST_REQUIRE(!(*cell)["failure"].is_null());
  BOOST_TEST((*cell)["failure"]["message"] == "7 violations in 4 states");
  const std::string text = (*cell)["failure"]["text"];
  BOOST_TEST(text.find("[ordering]") != std::string::npos);
  BOOST_TEST(text.find("bad marshal data") != std::string::npos);
  BOOST_TEST(text.find("#41 python3[12/12] write __pycache__/m.pyc.12 @0 +4096 (lost)") != std::string::npos);
  BOOST_TEST(text.find("fix (verified): add fsync(__pycache__/m.pyc.12) after op #41") != std::string::npos);
  BOOST_TEST(text.find("crashfs replay '/tmp/run dir/trace.cfs' --state posix@43-o41 --out DIR") != std::string::npos);
  // The hostile name survives, with the bytes XML cannot carry spelled out.
  BOOST_TEST(text.find("__pycache__/m<&>\"'\\x01\\x1f.pyc.\\xff\\xfe\xc3\xa9") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cell_without_group_lists_its_violations_and_harness_errors_are_errors) {
  const nlohmann::json parsed = parse_with_python(render_junit(fake_info(), fake_report(), fake_explanation()));
  const auto* atomic = find_case(parsed, "crashfs.posix", "atomic");
  BOOST_REQUIRE(atomic != nullptr);
  BOOST_REQUIRE(!(*atomic)["failure"].is_null());
  BOOST_TEST((*atomic)["failure"]["message"] == "1 violations in 1 states");
  const std::string text = (*atomic)["failure"]["text"];
  BOOST_TEST(text.find("conf @12: differs from every complete version") != std::string::npos);
  BOOST_TEST(text.find("--state posix@9-o5") != std::string::npos);
  BOOST_TEST(text.find("bad marshal data") == std::string::npos);  // the pyc group is not this cell's

  const auto* harness = find_case(parsed, "crashfs", "harness");
  BOOST_REQUIRE(harness != nullptr);
  BOOST_REQUIRE(!(*harness)["error"].is_null());
  BOOST_TEST(std::string((*harness)["error"]["text"]).find("checker pyc threw on \\x02state") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(clean_run_has_no_failures_and_no_harness_case) {
  CheckReport r;
  r.cells[{ModelKind::kPosix, "pyc"}] = CellVerdict{10, 0, 0};
  const nlohmann::json parsed = parse_with_python(render_junit(fake_info(), r, Explanation{}));
  BOOST_TEST(parsed["suites"][0]["failures"] == "0");
  BOOST_TEST(parsed["suites"][0]["errors"] == "0");
  BOOST_TEST(parsed["cases"].size() == 1u);
  BOOST_TEST(find_case(parsed, "crashfs", "harness") == nullptr);
}
