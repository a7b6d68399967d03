// crashfs show TRACE --state ID [--file PATH [--cat]] [--json] [--base DIR]:
// prints one crash state for a person to poke at, without writing it out.
//
// Every entry of the state is compared with the crash-free state at the same
// crash point (the process-kill state: what the program had written when the
// crash hit), so the listing says at a glance which files came out as
// written, which differ and why (bytes lost as zeros, bytes from an older
// write), and which are missing.  --file shows where each byte range of one
// file came from; --cat writes that file's bytes in the state to stdout.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/explorer.h"
#include "host/directory_base_content.h"
#include "host/exit_codes.h"
#include "host/trace_file.h"

namespace crashfs::cli {
namespace {

struct ShowArgs {
  std::string trace;
  std::string state;
  std::string file;
  std::string base;
  bool cat = false;
  bool json = false;
};

std::string mtime_text(std::int64_t ns) {
  const std::int64_t s = ns / 1'000'000'000;
  return fmt::format("{}.{:09}", s, ns % 1'000'000'000 < 0 ? 0 : ns % 1'000'000'000);
}

// How `entry` in the crash state compares with the crash-free state.
struct Comparison {
  std::string verdict;  // "as written" | "differs" | "not in the crash-free state"
  std::string detail;   // for "differs": size, content
};

Comparison compare(const StateView& state, const FileEntry& entry, const StateView& crash_free) {
  const FileEntry* want = crash_free.find(entry.path);
  if (want == nullptr) return {"not in the crash-free state", ""};
  if (want->kind != entry.kind) {
    return {"differs", fmt::format("a {} here, a {} in the crash-free state", to_string(entry.kind),
                                   to_string(want->kind))};
  }
  if (entry.kind == NodeKind::kDirectory) return {"as written", ""};
  if (want->hash == entry.hash && want->size == entry.size) return {"as written", ""};
  std::vector<std::string> parts;
  if (want->size != entry.size) parts.push_back(fmt::format("size {} (written: {})", entry.size, want->size));
  if (entry.kind == NodeKind::kFile) {
    // The byte ranges whose source differs from the crash-free run's.
    std::uint64_t zeros = 0, older = 0;
    for (const Provenance& p : state.provenance(entry, 0, entry.size)) {
      if (p.zeros) {
        zeros += p.length;
        continue;
      }
      for (const Provenance& q : crash_free.provenance(*want, p.offset, p.length)) {
        if (q.zeros || q.seq != p.seq) older += q.length;
      }
    }
    if (zeros > 0) parts.push_back(fmt::format("{} bytes read as zeros", zeros));
    if (older > 0) parts.push_back(fmt::format("{} bytes from an earlier write", older));
  }
  if (parts.empty()) parts.emplace_back("content differs");
  std::string detail;
  for (const std::string& p : parts) detail += (detail.empty() ? "" : "; ") + p;
  return {"differs", detail};
}

std::string source_text(Explorer& explorer, const Provenance& p) {
  if (p.zeros) return "zeros (hole, or data that did not persist)";
  if (p.seq == 0) return "pre-existing content";
  const std::optional<std::size_t> op = explorer.trace().find_op(OpId{p.seq, 0});
  return op ? explorer.describe_op(*op) : fmt::format("#{}", p.seq);
}

int run_show(const ShowArgs& args) {
  TraceFile file;
  if (Status st = file.open(args.trace); !st) {
    fmt::print(stderr, "crashfs show: {}\n", st.message());
    return TraceFile::exit_code_for(st);
  }
  StateSpec spec;
  if (Status st = StateSpec::parse(args.state, spec); !st) {
    fmt::print(stderr, "crashfs show: {}\n", st.message());
    return kExitUsage;
  }
  if (args.cat && args.file.empty()) {
    fmt::print(stderr, "crashfs show: --cat needs --file PATH (the file whose bytes to print)\n");
    return kExitUsage;
  }
  // The base (untouched pre-existing bytes): --base, else the recorded
  // directory; without one those bytes read as zeros, which show says.
  std::unique_ptr<DirectoryBaseContent> base;
  if (Status st = open_state_base(file.trace().recorded_dir(), args.base, base); !st) {
    fmt::print(stderr, "crashfs show: {}\n", st.message());
    return kExitUsage;
  }

  Explorer explorer(file.trace(), base.get());
  std::shared_ptr<const StateView> state;
  if (Status st = explorer.view(spec, state); !st) {
    fmt::print(stderr, "crashfs show: {} (list the states of this trace with `crashfs explore {} --list`)\n",
               st.message(), args.trace);
    return kExitUsage;
  }
  const std::optional<std::size_t> point = file.trace().find_op(spec.point);
  if (!point) {
    fmt::print(stderr, "crashfs show: the trace has no operation #{}\n", spec.point.to_string());
    return kExitUsage;
  }
  const std::shared_ptr<const StateView> crash_free = explorer.completed(*point);

  if (!args.file.empty()) {
    const FileEntry* entry = state->find(args.file);
    if (entry == nullptr) {
      const bool written = crash_free->find(args.file) != nullptr;
      fmt::print(stderr, "crashfs show: {} does not exist in state {}{}\n", args.file, spec.id(),
                 written ? " (it does in the crash-free state: the crash lost it)" : "");
      return kExitUsage;
    }
    if (args.cat) {
      const std::string bytes = state->read(*entry);
      std::fwrite(bytes.data(), 1, bytes.size(), stdout);
      return kExitOk;
    }
    const Comparison cmp = compare(*state, *entry, *crash_free);
    std::vector<Provenance> ranges;
    if (entry->kind == NodeKind::kFile) ranges = state->provenance(*entry, 0, entry->size);
    if (args.json) {
      nlohmann::json j = {{"state", spec.id()},       {"path", entry->path},
                          {"kind", to_string(entry->kind)}, {"mode", entry->mode},
                          {"size", entry->size},      {"mtime_ns", entry->mtime_ns},
                          {"hash", entry->hash.hex()}, {"crash_free", cmp.verdict},
                          {"detail", cmp.detail},     {"ranges", nlohmann::json::array()}};
      for (const Provenance& p : ranges) {
        j["ranges"].push_back({{"offset", p.offset}, {"length", p.length}, {"seq", p.seq}, {"zeros", p.zeros},
                               {"source", source_text(explorer, p)}});
      }
      fmt::print("{}\n", j.dump(2));
      return kExitOk;
    }
    fmt::print("{} in {}\n  {}\n", entry->path, spec.id(), explorer.describe(spec));
    fmt::print("{} {:o} size {} mtime {}: {}{}\n", to_string(entry->kind), entry->mode & 07777, entry->size,
               mtime_text(entry->mtime_ns), cmp.verdict, cmp.detail.empty() ? "" : " (" + cmp.detail + ")");
    for (const Provenance& p : ranges) {
      fmt::print("  [{:>10}, {:>10})  {}\n", p.offset, p.offset + p.length, source_text(explorer, p));
    }
    return kExitOk;
  }

  // Entries missing from the state that the crash-free run had.
  std::vector<const FileEntry*> missing;
  for (const FileEntry& e : crash_free->entries()) {
    if (state->find(e.path) == nullptr) missing.push_back(&e);
  }
  if (args.json) {
    nlohmann::json j = {{"state", spec.id()},
                        {"model", to_string(spec.model)},
                        {"crash_point", spec.point.to_string()},
                        {"description", explorer.describe(spec)},
                        {"entries", nlohmann::json::array()},
                        {"missing", nlohmann::json::array()}};
    for (const FileEntry& e : state->entries()) {
      const Comparison cmp = compare(*state, e, *crash_free);
      j["entries"].push_back({{"path", e.path},
                              {"kind", to_string(e.kind)},
                              {"mode", e.mode},
                              {"size", e.size},
                              {"mtime_ns", e.mtime_ns},
                              {"hash", e.hash.hex()},
                              {"crash_free", cmp.verdict},
                              {"detail", cmp.detail}});
    }
    for (const FileEntry* e : missing) j["missing"].push_back(e->path);
    fmt::print("{}\n", j.dump(2));
    return kExitOk;
  }
  fmt::print("{}\n  {}\n", spec.id(), explorer.describe(spec));
  fmt::print("{:<9} {:>5} {:>10}  {:<40}  {}\n", "kind", "mode", "size", "path", "compared with the crash-free state");
  for (const FileEntry& e : state->entries()) {
    const Comparison cmp = compare(*state, e, *crash_free);
    fmt::print("{:<9} {:>5o} {:>10}  {:<40}  {}{}\n", to_string(e.kind), e.mode & 07777, e.size, e.path, cmp.verdict,
               cmp.detail.empty() ? "" : " (" + cmp.detail + ")");
  }
  for (const FileEntry* e : missing) {
    fmt::print("{:<9} {:>5} {:>10}  {:<40}  missing (the crash-free state has it)\n", to_string(e->kind), "-", "-",
               e->path);
  }
  if (!explorer.base_status()) fmt::print(stderr, "crashfs show: warning: {}\n", explorer.base_status().message());
  fmt::print("(files the workload never touched are not listed; `crashfs show {} --state {} --file PATH` shows "
             "where a file's bytes came from)\n",
             args.trace, spec.id());
  return kExitOk;
}

}  // namespace

void add_show_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ShowArgs>();
  CLI::App* cmd = app.add_subcommand(
      "show", "Show one crash state: its files compared with the crash-free run, or where one file's bytes came from");
  cmd->add_option("trace", args->trace, "Trace file written by `crashfs record`")->required();
  cmd->add_option("--state", args->state, "State id, as reports and `crashfs explore --list` print it")->required();
  cmd->add_option("--file", args->file, "Show this file (path relative to the recorded directory) range by range");
  cmd->add_flag("--cat", args->cat, "With --file: write the file's bytes in this state to stdout");
  cmd->add_flag("--json", args->json, "Print JSON instead of text");
  cmd->add_option("--base", args->base,
                  "The recorded directory as the run left it (default: the directory named in the trace)");
  cmd->callback([args, &exit_code] { exit_code = run_show(*args); });
}

}  // namespace crashfs::cli
