#include "checkers/sqlite_checker.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

#include "checkers/glob.h"

namespace crashfs {
namespace {

// The files of one database in one state.
struct DbFiles {
  std::string db, journal, wal;
  bool has_journal = false, has_wal = false;
  ContentHash key() const {
    std::string k = hash_bytes(db).hex() + (has_journal ? hash_bytes(journal).hex() : "-") +
                    (has_wal ? hash_bytes(wal).hex() : "-");
    return hash_bytes(k);
  }
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

struct Opened {
  std::string error;                              // non-empty: cannot open or integrity_check failed
  std::map<std::string, std::vector<std::string>> rows;  // table -> sorted rows (each serialized)
};

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

std::string serialize_row(sqlite3_stmt* stmt) {
  std::string row;
  const int n = sqlite3_column_count(stmt);
  for (int i = 0; i < n; ++i) {
    const int type = sqlite3_column_type(stmt, i);
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt, i));
    const int len = sqlite3_column_bytes(stmt, i);
    row += fmt::format("{}:{}:", type, len);
    if (bytes) row.append(bytes, static_cast<std::size_t>(len));
    row += '\x1f';
  }
  return row;
}

Opened open_and_check(const ScratchSpace& dir, const DbFiles& files) {
  Opened out;
  dir.clear();
  Status st = dir.write_file("db", files.db);
  if (st && files.has_journal) st = dir.write_file("db-journal", files.journal);
  if (st && files.has_wal) st = dir.write_file("db-wal", files.wal);
  if (!st) {
    out.error = st.message();
    return out;
  }
  Db db;
  if (db.open(dir.path() + "/db") != SQLITE_OK) {
    out.error = fmt::format("cannot open: {}", db.get() ? sqlite3_errmsg(db.get()) : "out of memory");
    return out;
  }
  sqlite3_busy_timeout(db.get(), 1000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db.get(), "PRAGMA integrity_check", -1, &stmt, nullptr) != SQLITE_OK) {
    out.error = fmt::format("integrity_check failed to run: {}", sqlite3_errmsg(db.get()));
    return out;
  }
  std::string verdict;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (!verdict.empty()) verdict += "; ";
    verdict += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  if (rc != SQLITE_DONE) verdict = fmt::format("integrity_check error: {}", sqlite3_errmsg(db.get()));
  sqlite3_finalize(stmt);
  if (verdict != "ok") {
    out.error = fmt::format("PRAGMA integrity_check: {}", verdict);
    return out;
  }
  // Every table's rows, for the committed-transactions rule.
  std::vector<std::string> tables;
  if (sqlite3_prepare_v2(db.get(), "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'",
                         -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    sqlite3_finalize(stmt);
  }
  for (const auto& table : tables) {
    std::string sql = fmt::format("SELECT * FROM \"{}\"", table);
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      out.error = fmt::format("cannot read table {}: {}", table, sqlite3_errmsg(db.get()));
      return out;
    }
    auto& rows = out.rows[table];
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) rows.push_back(serialize_row(stmt));
    if (rc != SQLITE_DONE) out.error = fmt::format("reading table {}: {}", table, sqlite3_errmsg(db.get()));
    sqlite3_finalize(stmt);
    std::sort(rows.begin(), rows.end());
    if (!out.error.empty()) return out;
  }
  return out;
}

class SqliteChecker : public Checker {
 public:
  SqliteChecker(std::vector<std::string> globs, ScratchFactory make_scratch)
      : globs_(std::move(globs)), make_scratch_(std::move(make_scratch)) {}

  std::string name() const override { return "sqlite"; }

  void check(const CheckContext& ctx, std::vector<Violation>& out) override {
    for (const FileEntry& entry : ctx.state.entries()) {
      if (entry.kind != NodeKind::kFile || !matches(entry.path)) continue;
      auto files = load(ctx.state, entry.path);
      if (!files) continue;
      auto acked = load(ctx.acked, entry.path);
      const ContentHash key = hash_bytes(files->key().hex() + (acked ? acked->key().hex() : "-"));
      auto cached = cache_.find(key);
      if (cached == cache_.end()) cached = cache_.emplace(key, verdict(*files, acked)).first;
      if (cached->second.empty()) continue;
      Violation v;
      v.checker = name();
      v.path = entry.path;
      v.reason = cached->second;
      v.grade = cached->second.rfind("lost committed", 0) == 0 ? "lost-acked" : "corrupt-database";
      for (const auto& p : ctx.state.provenance(entry, 0, entry.size))
        if (p.seq != 0 && std::find(v.ops.begin(), v.ops.end(), p.seq) == v.ops.end()) v.ops.push_back(p.seq);
      out.push_back(std::move(v));
    }
  }

 private:
  bool matches(const std::string& path) const {
    if (path.ends_with("-journal") || path.ends_with("-wal") || path.ends_with("-shm")) return false;
    return std::any_of(globs_.begin(), globs_.end(), [&](const std::string& g) { return glob_match(g, path); });
  }

  // "" when fine, else the reason.
  std::string verdict(const DbFiles& files, const std::optional<DbFiles>& acked) {
    if (!scratch_) {
      // A directory that cannot be made is the harness's failure (the run
      // reports it apart from the program's bugs), not a violation.
      if (Status st = make_scratch_("sqlite", scratch_); !st) throw std::runtime_error(st.message());
    }
    if (files.db.empty() && !files.has_journal && !files.has_wal) return {};  // empty file: a fresh database
    Opened state = open_and_check(*scratch_, files);
    if (!state.error.empty()) return state.error;
    if (!acked) return {};
    Opened promised = open_and_check(*scratch_, *acked);
    if (!promised.error.empty()) return {};  // nothing coherent was promised
    for (const auto& [table, rows] : promised.rows) {
      auto it = state.rows.find(table);
      const std::vector<std::string> empty;
      const auto& have = it == state.rows.end() ? empty : it->second;
      std::vector<std::string> missing;
      std::set_difference(rows.begin(), rows.end(), have.begin(), have.end(), std::back_inserter(missing));
      if (!missing.empty())
        return fmt::format("lost committed data: table {} lacks {} of the {} rows committed (fsynced) before the crash",
                           table, missing.size(), rows.size());
    }
    return {};
  }

  std::vector<std::string> globs_;
  ScratchFactory make_scratch_;
  std::unique_ptr<ScratchSpace> scratch_;
  std::unordered_map<ContentHash, std::string, ContentHashHasher> cache_;
};

}  // namespace

std::unique_ptr<Checker> make_sqlite_checker(std::vector<std::string> globs, ScratchFactory make_scratch) {
  if (globs.empty()) globs = {"**/*.db", "**/*.sqlite", "**/*.sqlite3"};
  return std::make_unique<SqliteChecker>(std::move(globs), std::move(make_scratch));
}

}  // namespace crashfs
