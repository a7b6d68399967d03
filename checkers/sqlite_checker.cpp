#include "checkers/sqlite_checker.h"

#include <algorithm>
#include <list>
#include <unordered_map>

#include "checkers/glob.h"
#include "checkers/sqlite_memory_files.h"
#include "checkers/sqlite_memory_vfs.h"
#include "checkers/sqlite_view.h"
#include "checkers/view_oracle.h"

namespace crashfs {
namespace {

// Where the state's files appear to SQLite when the recorded directory is
// not known: a directory no recorded name lies under.
constexpr const char* kUnknownRoot = "/crashfs-unknown-recorded-dir";

// The files beside a database that SQLite reads with it.
std::vector<std::string> files_of(const std::string& db) { return {db, db + "-journal", db + "-wal"}; }

// How an application's libsqlite3 reads a database back (view_oracle.h).
class SqliteReader : public ViewReader {
 public:
  SqliteReader(std::vector<std::string> globs, std::string root) : globs_(std::move(globs)), root_(std::move(root)) {}

  std::string name() const override { return "sqlite"; }
  std::string scope() const override {
    std::string out = "databases matching ";
    for (std::size_t i = 0; i < globs_.size(); ++i) out += (i ? ", " : "") + globs_[i];
    return out;
  }
  // A database is its file with its -journal and -wal: an fsync of one file
  // acknowledges nothing by itself (SQLite's own commits say what is done).
  bool file_scoped() const override { return false; }

  void units(const StateView& state, std::vector<std::string>& out) override {
    for (const FileEntry& e : state.entries())
      if (e.kind == NodeKind::kFile && matches(e.path)) out.push_back(e.path);
  }

  Recovered recover(const StateView& state, std::string_view, const std::string& unit) override {
    const SqliteRead* o = opened(state, unit);
    if (o == nullptr) return Recovered{kAbsentView, "no database"};
    if (!o->error.empty()) return Recovered{ViewDigest().add(std::string_view("unreadable")).finish(), o->error};
    return o->recovered;
  }

  void integrity(const CheckContext& ctx, const std::string& unit, std::vector<Violation>& out) override {
    const SqliteRead* o = opened(ctx.state, unit);
    if (o == nullptr || o->error.empty()) return;
    Violation v;
    v.checker = name();
    v.path = unit;
    v.reason = o->error;
    v.grade = "corrupt-database";
    if (const FileEntry* entry = ctx.state.find(unit))
      for (const auto& p : ctx.state.provenance(*entry, 0, entry->size))
        if (p.seq != 0 && std::find(v.ops.begin(), v.ops.end(), p.seq) == v.ops.end()) v.ops.push_back(p.seq);
    std::sort(v.ops.begin(), v.ops.end());
    out.push_back(std::move(v));
  }

 private:
  // A result, with what SQLite looked up besides the keyed files.
  struct Cached {
    std::vector<MemoryFiles::Consulted> consulted;
    SqliteRead read;
  };

  // A database, its -journal, -wal, -shm and super-journals (DB-mjXXXXXXX).
  bool reads(const std::string& path) override {
    if (matches(path)) return true;
    const auto dash = path.rfind('-');
    return dash != std::string::npos &&
           std::any_of(globs_.begin(), globs_.end(), [&](const std::string& g) { return glob_match(g, path.substr(0, dash)); });
  }

  bool matches(const std::string& path) const {
    if (path.ends_with("-journal") || path.ends_with("-wal") || path.ends_with("-shm")) return false;
    return std::any_of(globs_.begin(), globs_.end(), [&](const std::string& g) { return glob_match(g, path); });
  }

  // The database at `path` read (cached by content); nullptr when absent.
  const SqliteRead* opened(const StateView& state, const std::string& path) {
    const FileEntry* db = state.find(path);
    if (db == nullptr || db->kind != NodeKind::kFile) return nullptr;
    // The key: what the state holds at the three paths (content hashes are
    // cheap: cached per version).
    const std::vector<std::string> keyed = files_of(path);
    ViewDigest k;
    for (const std::string& p : keyed) {
      const FileIdentity id = identify(state, p);
      k.add(static_cast<std::uint64_t>(id.kind)).add(id.hash.lo).add(id.hash.hi);
    }
    auto& results = cache_[k.finish()];
    for (const Cached& c : results)
      if (std::all_of(c.consulted.begin(), c.consulted.end(),
                      [&](const MemoryFiles::Consulted& f) { return identify(state, f.path) == f.identity; }))
        return &c.read;
    MemoryFiles files(state, root_, keyed);
    SqliteRead read;
    {
      MemorySqlite sqlite(files, path);
      read = sqlite.status() == SQLITE_OK ? read_sqlite_view(sqlite.db()) : sqlite_open_failure(sqlite.db());
    }
    return &results.emplace_back(Cached{files.consulted(), std::move(read)}).read;
  }

  std::vector<std::string> globs_;
  std::string root_;
  // std::list: a result's address outlives later insertions.
  std::unordered_map<ContentHash, std::list<Cached>, ContentHashHasher> cache_;
};

}  // namespace

std::unique_ptr<Checker> make_sqlite_checker(std::vector<std::string> globs, std::string recorded_dir) {
  if (globs.empty()) globs = {"**/*.db", "**/*.sqlite", "**/*.sqlite3"};
  if (recorded_dir.empty() || recorded_dir.front() != '/') recorded_dir = kUnknownRoot;
  return std::make_unique<OracleChecker>(std::make_unique<SqliteReader>(std::move(globs), std::move(recorded_dir)));
}

}  // namespace crashfs
