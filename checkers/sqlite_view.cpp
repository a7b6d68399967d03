#include "checkers/sqlite_view.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace crashfs {
namespace {

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

// The rows of `sql`'s result, serialized and sorted; false (with `error`) on failure.
bool rows_of(sqlite3* db, const std::string& sql, std::vector<std::string>& rows, std::string& error) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    error = fmt::format("cannot run {}: {}", sql, sqlite3_errmsg(db));
    return false;
  }
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) rows.push_back(serialize_row(stmt));
  if (rc != SQLITE_DONE) error = fmt::format("{}: {}", sql, sqlite3_errmsg(db));
  sqlite3_finalize(stmt);
  std::sort(rows.begin(), rows.end());
  return error.empty();
}

}  // namespace

SqliteRead sqlite_open_failure(sqlite3* db) {
  SqliteRead out;
  out.error = fmt::format("cannot open: {}", db ? sqlite3_errmsg(db) : "out of memory");
  return out;
}

SqliteRead read_sqlite_view(sqlite3* db) {
  SqliteRead out;
  sqlite3_busy_timeout(db, 1000);
  std::string verdict;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) != SQLITE_OK) {
    out.error = fmt::format("cannot read the database: {}", sqlite3_errmsg(db));
    return out;
  }
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (!verdict.empty()) verdict += "; ";
    verdict += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  if (rc != SQLITE_DONE) verdict = fmt::format("integrity_check error: {}", sqlite3_errmsg(db));
  sqlite3_finalize(stmt);
  if (verdict != "ok") {
    out.error = fmt::format("PRAGMA integrity_check: {}", verdict);
    return out;
  }
  ViewDigest digest;
  digest.add(std::string_view("sqlite"));
  std::vector<std::string> rows;
  if (!rows_of(db, "PRAGMA user_version", rows, out.error)) return out;
  for (const auto& r : rows) digest.add(r);
  std::vector<std::string> schema;
  if (!rows_of(db, "SELECT type, name, tbl_name, sql FROM sqlite_master", schema, out.error)) return out;
  digest.add(static_cast<std::uint64_t>(schema.size()));
  for (const auto& r : schema) digest.add(r);
  std::vector<std::string> tables;
  if (sqlite3_prepare_v2(db,
                         "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_stat%' ORDER BY name",
                         -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW) tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    sqlite3_finalize(stmt);
  }
  std::uint64_t total = 0;
  for (const auto& table : tables) {
    rows.clear();
    std::string quoted;
    for (char c : table) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    if (!rows_of(db, fmt::format("SELECT * FROM \"{}\"", quoted), rows, out.error)) return out;
    digest.add(table).add(static_cast<std::uint64_t>(rows.size()));
    for (const auto& r : rows) digest.add(r);
    total += rows.size();
  }
  out.recovered = Recovered{digest.finish(), fmt::format("{} table(s), {} row(s)", tables.size(), total)};
  return out;
}

}  // namespace crashfs
