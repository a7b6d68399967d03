#include "checkers/sqlite_checker.h"

#include <sqlite3.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "checkers/glob.h"
#include "checkers/sqlite_view.h"
#include "checkers/view_oracle.h"

namespace crashfs {
namespace {

// The files of one database in one state.
struct DbFiles {
  std::string db, journal, wal;
  bool has_journal = false, has_wal = false;
};

std::optional<DbFiles> load(const StateView& view, const std::string& path) {
  const FileEntry* db = view.find(path);
  if (db == nullptr || db->kind != NodeKind::kFile) return std::nullopt;
  DbFiles f;
  f.db = view.read(*db);
  if (const FileEntry* j = view.find(path + "-journal"); j && j->kind == NodeKind::kFile) {
    f.journal = view.read(*j);
    f.has_journal = true;
  }
  if (const FileEntry* w = view.find(path + "-wal"); w && w->kind == NodeKind::kFile) {
    f.wal = view.read(*w);
    f.has_wal = true;
  }
  return f;
}

class Db {
 public:
  ~Db() {
    if (db_) sqlite3_close_v2(db_);
  }
  int open(const std::string& path) {
    return sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr);
  }
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// Opens the database as a reader would (libsqlite3 rolls a hot journal back
// or replays the WAL, on this private copy) and reads it (sqlite_view.h).
SqliteRead open_and_check(const ScratchSpace& dir, const DbFiles& files) {
  dir.clear();
  Status st = dir.write_file("db", files.db);
  if (st && files.has_journal) st = dir.write_file("db-journal", files.journal);
  if (st && files.has_wal) st = dir.write_file("db-wal", files.wal);
  if (!st) throw std::runtime_error("sqlite checker: " + st.message());  // the harness's failure
  Db db;
  if (db.open(dir.path() + "/db") != SQLITE_OK) return sqlite_open_failure(db.get());
  return read_sqlite_view(db.get());
}

// How an application's libsqlite3 reads a database back (view_oracle.h).
class SqliteReader : public ViewReader {
 public:
  SqliteReader(std::vector<std::string> globs, ScratchFactory make_scratch)
      : globs_(std::move(globs)), make_scratch_(std::move(make_scratch)) {}

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
  bool matches(const std::string& path) const {
    if (path.ends_with("-journal") || path.ends_with("-wal") || path.ends_with("-shm")) return false;
    return std::any_of(globs_.begin(), globs_.end(), [&](const std::string& g) { return glob_match(g, path); });
  }

  // The database at `path` opened (cached by content); nullptr when absent.
  const SqliteRead* opened(const StateView& state, const std::string& path) {
    const FileEntry* db = state.find(path);
    if (db == nullptr || db->kind != NodeKind::kFile) return nullptr;
    // The key: the three files' content hashes (cheap: cached per version).
    ViewDigest k;
    k.add(db->hash.lo).add(db->hash.hi);
    for (const char* suffix : {"-journal", "-wal"}) {
      const FileEntry* e = state.find(path + suffix);
      if (e != nullptr && e->kind == NodeKind::kFile) k.add(e->hash.lo).add(e->hash.hi);
      else k.add(std::string_view("-"));
    }
    const ContentHash key = k.finish();
    auto it = cache_.find(key);
    if (it != cache_.end()) return &it->second;
    auto files = load(state, path);
    if (!scratch_) {
      // A directory that cannot be made is the harness's failure (the run
      // reports it apart from the program's bugs), not a violation.
      if (Status st = make_scratch_("sqlite", scratch_); !st) throw std::runtime_error(st.message());
    }
    return &cache_.emplace(key, open_and_check(*scratch_, *files)).first->second;
  }

  std::vector<std::string> globs_;
  ScratchFactory make_scratch_;
  std::unique_ptr<ScratchSpace> scratch_;
  std::unordered_map<ContentHash, SqliteRead, ContentHashHasher> cache_;
};

}  // namespace

std::unique_ptr<Checker> make_sqlite_checker(std::vector<std::string> globs, ScratchFactory make_scratch) {
  if (globs.empty()) globs = {"**/*.db", "**/*.sqlite", "**/*.sqlite3"};
  return std::make_unique<OracleChecker>(std::make_unique<SqliteReader>(std::move(globs), std::move(make_scratch)));
}

}  // namespace crashfs
