/* lmdb_tool: an LMDB application driven from the command line, so a
 * crash-consistency run can record the real liblmdb (Debian's liblmdb0)
 * committing transactions, and mdb_dump can read back each crash state.
 *
 *   lmdb_tool init DIR
 *       Creates the environment DIR/data.mdb, DIR/lock.mdb (DIR must
 *       exist) with one empty committed transaction, and closes it: the
 *       database as installed, before the recorded run.
 *   lmdb_tool put DIR TXNS [--nosync]
 *       Opens DIR (flags 0, or MDB_NOSYNC) and commits TXNS transactions;
 *       transaction i puts key "k%06d" (i) with a value of 100 + 37 i % 3000
 *       bytes, deletes the key of transaction i - 3 and sets "last" to i.
 *       Right after mdb_txn_commit returns it prints "committed i" and
 *       flushes stdout: what the application tells its client.
 *
 * Exit status: 0 done; 1 LMDB refused (the message names the call, DIR and
 * mdb_strerror); 2 usage error. */
#include <lmdb.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char* what, const char* dir, int rc) {
  fprintf(stderr, "lmdb_tool: %s on %s: %s\n", what, dir, mdb_strerror(rc));
  return 1;
}

static int open_env(const char* dir, unsigned flags, MDB_env** env) {
  int rc = mdb_env_create(env);
  if (rc) return fail("mdb_env_create", dir, rc);
  if ((rc = mdb_env_set_mapsize(*env, 64u << 20))) return fail("mdb_env_set_mapsize", dir, rc);
  if ((rc = mdb_env_open(*env, dir, flags, 0644))) return fail("mdb_env_open", dir, rc);
  return 0;
}

static int put_all(const char* dir, long txns, unsigned flags) {
  MDB_env* env;
  if (open_env(dir, flags, &env)) return 1;
  static char value[4096];
  for (long i = 1; i <= txns; ++i) {
    MDB_txn* txn;
    MDB_dbi dbi;
    int rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc) return fail("mdb_txn_begin", dir, rc);
    if ((rc = mdb_dbi_open(txn, NULL, 0, &dbi))) return fail("mdb_dbi_open", dir, rc);
    char key[32];
    snprintf(key, sizeof key, "k%06ld", i);
    size_t n = 100 + (size_t)(37 * i % 3000);
    for (size_t j = 0; j < n; ++j) value[j] = (char)('a' + (i + j) % 26);
    MDB_val k = {strlen(key), key}, v = {n, value};
    if ((rc = mdb_put(txn, dbi, &k, &v, 0))) return fail("mdb_put", dir, rc);
    if (i > 3) {
      char old[32];
      snprintf(old, sizeof old, "k%06ld", i - 3);
      MDB_val o = {strlen(old), old};
      if ((rc = mdb_del(txn, dbi, &o, NULL))) return fail("mdb_del", dir, rc);
    }
    char last[32];
    snprintf(last, sizeof last, "%ld", i);
    MDB_val lk = {4, "last"}, lv = {strlen(last), last};
    if ((rc = mdb_put(txn, dbi, &lk, &lv, 0))) return fail("mdb_put", dir, rc);
    if ((rc = mdb_txn_commit(txn))) return fail("mdb_txn_commit", dir, rc);
    printf("committed %ld\n", i);
    fflush(stdout);
  }
  mdb_env_close(env);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "init") == 0) {
    MDB_env* env;
    MDB_txn* txn;
    if (open_env(argv[2], 0, &env)) return 1;
    int rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc) return fail("mdb_txn_begin", argv[2], rc);
    if ((rc = mdb_txn_commit(txn))) return fail("mdb_txn_commit", argv[2], rc);
    mdb_env_close(env);
    return 0;
  }
  if ((argc == 4 || argc == 5) && strcmp(argv[1], "put") == 0) {
    unsigned flags = 0;
    if (argc == 5) {
      if (strcmp(argv[4], "--nosync") != 0) goto usage;
      flags = MDB_NOSYNC;
    }
    char* end;
    long txns = strtol(argv[3], &end, 10);
    if (*end || txns < 0) goto usage;
    return put_all(argv[2], txns, flags);
  }
usage:
  fprintf(stderr, "usage: lmdb_tool init DIR | lmdb_tool put DIR TXNS [--nosync]\n");
  return 2;
}
