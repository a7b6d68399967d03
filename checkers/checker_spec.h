// Checker specs: parsing `--checker NAME[:ARG][@GLOB]` (repeatable) and
// creating the checkers they name.
//
// Accepted specs (globs as in glob.h, relative to the recorded directory):
//   pyc[@GLOB]            Python bytecode caches; default glob **/*.pyc
//   journal:FORMAT@GLOB   journals; FORMAT from journal_format_names()
//                         (u32le, u32le+crc32c, shake, ninja-log, ...);
//                         the glob is required
//   atomic@GLOB           atomically replaced files; the glob is required
//   sqlite[@GLOB]         SQLite databases; default globs **/*.db,
//                         **/*.sqlite, **/*.sqlite3
//   cmd:COMMAND           a user command run on each rebuilt state; the whole
//                         rest of the spec is the command, '@' and ':'
//                         included (`cmd:python3 -c 'import m'`)
//   dump:COMMAND          the same, its stdout taken as the state's view
//                         (command_checker.h)
// A glob may start with "./" (dropped); a leading '/' is an error.
//
// make_checker() builds every checker; cmd and dump need the host services
// of checker_host.h (a command runner), and without them make_checker()
// returns Status::unsupported.  sqlite is pure: the services only tell it
// the recorded directory.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/checker.h"
#include "checkers/checker_host.h"
#include "core/status.h"

namespace crashfs {

struct CheckerSpec {
  std::string text;                // as given, for messages
  std::string name;                // "pyc", "journal", "atomic", "sqlite" or "cmd"
  std::string arg;                 // journal: FORMAT; cmd, dump: COMMAND; else empty
  std::vector<std::string> globs;  // defaults filled in; empty for cmd
};

Status parse_checker_spec(std::string_view text, CheckerSpec& out);
// The canonical text of a parsed spec: NAME[:ARG][@GLOB], the glob as
// normalised ("./" dropped) and left out when it is the default.  Contract
// (checked by tests/fuzz/checker_spec_fuzzer.cpp): every spec that
// parse_checker_spec() accepts prints to a text it accepts again, giving
// the same name, arg and globs.
std::string canonical_text(const CheckerSpec& spec);
// Parses every spec; stops at the first bad one.
Status parse_checker_specs(const std::vector<std::string>& texts, std::vector<CheckerSpec>& out);

Status make_checker(const CheckerSpec& spec, const CheckerServices& services, std::unique_ptr<Checker>& out);
// For the pure checkers (pyc, journal, atomic, sqlite): no host services
// (sqlite does not know the recorded directory).
Status make_checker(const CheckerSpec& spec, std::unique_ptr<Checker>& out);

}  // namespace crashfs
