#include "checkers/checker_spec.h"

#include "checkers/atomic_checker.h"
#include "checkers/command_checker.h"
#include "checkers/journal_checker.h"
#include "checkers/journal_format.h"
#include "checkers/pyc_checker.h"
#include "checkers/sqlite_checker.h"

namespace crashfs {
namespace {

constexpr std::string_view kUsage =
    "expected NAME[:ARG][@GLOB]: pyc[@GLOB], journal:FORMAT@GLOB, atomic@GLOB, sqlite[@GLOB], cmd:COMMAND or "
    "dump:COMMAND";

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

Status bad(std::string_view text, std::string problem) {
  return Status::invalid_argument("--checker " + quoted(text) + ": " + problem);
}

// The globs of a spec without '@GLOB' (none: the glob is required).
std::vector<std::string> default_globs(std::string_view name) {
  if (name == "pyc") return {"**/*.pyc"};
  if (name == "sqlite") return {"**/*.db", "**/*.sqlite", "**/*.sqlite3"};
  return {};
}

Status normalise_glob(std::string_view text, std::string_view glob, std::string& out) {
  if (glob.empty()) return bad(text, "empty glob after '@'; give the files to check, e.g. @data/*.log, or drop the '@'");
  const std::string_view given = glob;
  while (glob.substr(0, 2) == "./") glob.remove_prefix(2);
  if (glob.empty()) return bad(text, "glob names the recorded directory itself; name files, e.g. @**/*.log");
  // Checked after dropping "./": ".//etc/x" is the absolute /etc/x too.
  if (glob.front() == '/')
    return bad(text, "glob " + quoted(given) + " names an absolute path; globs match paths relative to the recorded directory, drop the leading '/'");
  out = std::string(glob);
  return Status::ok();
}

}  // namespace

Status parse_checker_spec(std::string_view text, CheckerSpec& out) {
  out = CheckerSpec{};
  out.text = std::string(text);
  if (text.empty()) return Status::invalid_argument("empty --checker; " + std::string(kUsage));
  const std::size_t name_end = text.find_first_of(":@");
  out.name = std::string(text.substr(0, name_end));
  std::string_view rest = name_end == std::string_view::npos ? std::string_view{} : text.substr(name_end);

  if (out.name == "cmd" || out.name == "dump") {
    if (rest.empty() || rest.front() != ':' || rest.size() == 1)
      return bad(text, out.name == "cmd" ? "cmd needs a command after 'cmd:', e.g. --checker \"cmd:python3 -c 'import m'\""
                                         : "dump needs a command after 'dump:', e.g. --checker \"dump:git fsck && git log\"");
    out.arg = std::string(rest.substr(1));
    return Status::ok();
  }

  bool has_arg = false, has_glob = false;
  std::string_view arg, glob;
  if (!rest.empty() && rest.front() == ':') {
    has_arg = true;
    const std::size_t at = rest.find('@');
    arg = rest.substr(1, at == std::string_view::npos ? std::string_view::npos : at - 1);
    rest = at == std::string_view::npos ? std::string_view{} : rest.substr(at);
  }
  if (!rest.empty()) {  // starts with '@'
    has_glob = true;
    glob = rest.substr(1);
  }
  if (has_glob) {
    std::string g;
    if (Status s = normalise_glob(text, glob, g); !s) return s;
    out.globs.push_back(std::move(g));
  }

  if (out.name == "pyc" || out.name == "atomic" || out.name == "sqlite") {
    if (has_arg)
      return bad(text, out.name + " takes no ':' argument; to choose files write " + out.name + "@" +
                           (arg.empty() ? std::string("GLOB") : std::string(arg)));
    if (out.name != "atomic" && !has_glob) out.globs = default_globs(out.name);
    if (out.name == "atomic" && !has_glob) return bad(text, "atomic needs the files to check, e.g. atomic@settings.conf");
    return Status::ok();
  }
  if (out.name == "journal") {
    const auto formats = journal_format_names();
    if (!has_arg || arg.empty())
      return bad(text, "journal needs a format, e.g. journal:u32le@data/*.log; formats: " + joined(formats));
    if (!make_journal_format(arg)) return bad(text, "unknown journal format " + quoted(arg) + "; formats: " + joined(formats));
    if (!has_glob) return bad(text, "journal needs the files to check, e.g. journal:" + std::string(arg) + "@data/*.log");
    out.arg = std::string(arg);
    return Status::ok();
  }
  if (out.name.empty()) return bad(text, "missing checker name; " + std::string(kUsage));
  return bad(text, "unknown checker " + quoted(out.name) + "; " + std::string(kUsage));
}

std::string canonical_text(const CheckerSpec& spec) {
  std::string out = spec.name;
  if (!spec.arg.empty()) out += ":" + spec.arg;
  if (spec.name == "cmd" || spec.name == "dump") return out;  // the command is the whole rest
  if (spec.globs != default_globs(spec.name))
    for (const auto& glob : spec.globs) out += "@" + glob;
  return out;
}

Status parse_checker_specs(const std::vector<std::string>& texts, std::vector<CheckerSpec>& out) {
  out.clear();
  for (const auto& text : texts) {
    CheckerSpec spec;
    if (Status s = parse_checker_spec(text, spec); !s) return s;
    out.push_back(std::move(spec));
  }
  return Status::ok();
}

Status make_checker(const CheckerSpec& spec, std::unique_ptr<Checker>& out) {
  return make_checker(spec, CheckerServices{}, out);
}

Status make_checker(const CheckerSpec& spec, const CheckerServices& services, std::unique_ptr<Checker>& out) {
  out.reset();
  if (spec.name == "journal") {
    out = make_journal_checker(spec.arg, spec.globs.at(0));
    if (!out) return Status::invalid_argument("--checker " + quoted(spec.text) + ": unknown journal format " + quoted(spec.arg));
    return Status::ok();
  }
  if (spec.name == "atomic") {
    out = make_atomic_checker(spec.globs.at(0));
    return Status::ok();
  }
  if (spec.name == "pyc") {
    out = make_pyc_checker(spec.globs.at(0));
    return Status::ok();
  }
  if (spec.name == "sqlite") {
    out = make_sqlite_checker(spec.globs, services.recorded_dir);
    return Status::ok();
  }
  if (spec.name == "cmd" || spec.name == "dump") {
    if (services.commands == nullptr)
      return Status::unsupported("--checker " + quoted(spec.text) + ": " + spec.name + " needs a command runner (checker_host.h)");
    CommandCheckerOptions options{spec.arg, services.command_timeout};
    out = spec.name == "cmd" ? make_command_checker(*services.commands, options) : make_dump_checker(*services.commands, options);
    return Status::ok();
  }
  return Status::invalid_argument("--checker " + quoted(spec.text) + ": unknown checker " + quoted(spec.name));
}

}  // namespace crashfs
