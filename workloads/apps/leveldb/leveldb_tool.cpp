// leveldb_tool: a LevelDB writer and reader driven from the command line, so
// a crash-consistency run can record a real LevelDB (libleveldb, the
// Debian package) writing its log and MANIFEST, and a checker can ask the
// real library what a crash state holds.
//
//   leveldb_tool put DB --unsynced N --synced M [--value-size B]
//       Opens (creating if missing) the database directory DB and writes
//       N + M puts, keys in order ("key00000000", "key00000001", ...), the
//       M synced ones (WriteOptions::sync = true) spread evenly among the N
//       unsynced ones.  Right after each synced put returns it prints
//       "ack KEY" on stdout and flushes it: from then on the key must
//       survive a power loss.  Values are B bytes (default 100), a
//       deterministic function of the key ("KEY=" then letters), so a
//       reader can tell a damaged value from a whole one.
//   leveldb_tool dump DB
//       Opens DB as the writer opens it, create_if_missing = true (a
//       database whose CURRENT file never appeared reads as the empty
//       database the application would then find), with paranoid_checks =
//       true (corruption is an error, as a careful application would open
//       it), and prints every key=value in key order, one per line.  Run it
//       on a copy: opening may write (a crash-state copy is thrown away).  A database
//       that cannot be opened or read is an error with LevelDB's message.
//
// Exit status: 0 done; 1 LevelDB refused (open, put or read failed; the
// message names the database and LevelDB's status); 2 usage error.
//
// Cost: one put per key; dump holds one key/value at a time.
#include <leveldb/db.h>
#include <leveldb/options.h>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace {

constexpr int kLevelDbError = 1;
constexpr int kUsageError = 2;

std::string key_of(std::uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key%08llu", static_cast<unsigned long long>(i));
  return buf;
}

// "KEY=" then letters that depend on the key, cut or padded to `size`.
std::string value_of(std::uint64_t i, const std::string& key, std::size_t size) {
  std::string v = key + "=";
  while (v.size() < size) v.push_back(static_cast<char>('a' + (v.size() + i) % 26));
  v.resize(size);
  return v;
}

int refuse(const std::string& what, const std::string& db, const leveldb::Status& status) {
  std::fprintf(stderr, "leveldb_tool: %s %s: %s\n", what.c_str(), db.c_str(), status.ToString().c_str());
  return kLevelDbError;
}

int put(const std::string& db_path, std::uint64_t unsynced, std::uint64_t synced, std::size_t value_size) {
  leveldb::Options options;
  options.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  leveldb::Status status = leveldb::DB::Open(options, db_path, &raw);
  if (!status.ok()) return refuse("cannot open", db_path, status);
  std::unique_ptr<leveldb::DB> db(raw);
  const std::uint64_t total = unsynced + synced;
  for (std::uint64_t i = 0; i < total; ++i) {
    // Put i is synced when the running share of synced puts steps up at it
    // (Bresenham): M synced puts spread evenly over the N + M.
    const bool sync = (i + 1) * synced / total > i * synced / total;
    const std::string key = key_of(i);
    leveldb::WriteOptions write_options;
    write_options.sync = sync;
    status = db->Put(write_options, key, value_of(i, key, value_size));
    if (!status.ok()) return refuse("put " + key + " into", db_path, status);
    if (sync) {
      std::printf("ack %s\n", key.c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}

int dump(const std::string& db_path) {
  leveldb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  leveldb::DB* raw = nullptr;
  leveldb::Status status = leveldb::DB::Open(options, db_path, &raw);
  if (!status.ok()) return refuse("cannot open", db_path, status);
  std::unique_ptr<leveldb::DB> db(raw);
  leveldb::ReadOptions read_options;
  read_options.verify_checksums = true;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(read_options));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const leveldb::Slice k = it->key(), v = it->value();
    std::fwrite(k.data(), 1, k.size(), stdout);
    std::fputc('=', stdout);
    std::fwrite(v.data(), 1, v.size(), stdout);
    std::fputc('\n', stdout);
  }
  if (!it->status().ok()) return refuse("cannot read", db_path, it->status());
  if (std::fflush(stdout) != 0) {
    std::perror("leveldb_tool: writing the dump");
    return kLevelDbError;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes or dumps a LevelDB database with the real libleveldb (header of workloads/apps/leveldb/leveldb_tool.cpp)"};
  app.require_subcommand(1);
  std::string db_path;
  std::uint64_t unsynced = 0, synced = 0;
  std::size_t value_size = 100;

  CLI::App* put_cmd = app.add_subcommand(
      "put", "Write UNSYNCED + SYNCED puts, keys in order, synced ones spread evenly; print 'ack KEY' after each synced put");
  put_cmd->add_option("DB", db_path, "database directory (created if missing)")->required();
  put_cmd->add_option("--unsynced", unsynced, "puts without sync")->required();
  put_cmd->add_option("--synced", synced, "puts with WriteOptions::sync, each acknowledged on stdout")->required();
  put_cmd->add_option("--value-size", value_size, "bytes per value (default 100)")->check(CLI::Range(1, 1 << 24));

  CLI::App* dump_cmd = app.add_subcommand(
      "dump", "Print every key=value in key order; fail if the database cannot be opened (paranoid_checks)");
  dump_cmd->add_option("DB", db_path, "database directory (must exist)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kUsageError;
  }
  if (*put_cmd) return put(db_path, unsynced, synced, value_size);
  return dump(db_path);
}
