#!/usr/bin/env python3
"""A small SQLite application: the workload of the SQLite verdict tests.

    writer.py DB JOURNAL_MODE SYNCHRONOUS [ROUNDS]

Opens DB with Python's sqlite3 module (Debian's libsqlite3), sets
`PRAGMA journal_mode` and `PRAGMA synchronous`, then runs six transactions,
each BEGIN ... COMMIT: create a table, three inserts (one with a 9000-byte
blob, so it spans pages), an update, a delete.  Right after each COMMIT
returns it prints "committed N" and flushes stdout: that line is what the
application tells its client, the acknowledgement `--ack '^committed'`
holds SQLite to.  ROUNDS (default 0) more rounds of three transactions
follow (an insert, an update of it, a delete of an older row), for longer
runs (scripts/apps.sh).
"""
import sqlite3
import sys


def main() -> int:
    if len(sys.argv) not in (4, 5):
        print("usage: writer.py DB JOURNAL_MODE SYNCHRONOUS [ROUNDS]", file=sys.stderr)
        return 2
    path, journal_mode, synchronous = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) == 5 else 0
    con = sqlite3.connect(path, isolation_level=None)  # we write BEGIN/COMMIT ourselves
    mode = con.execute(f"PRAGMA journal_mode={journal_mode}").fetchone()[0]
    if mode.lower() != journal_mode.lower():
        print(f"writer.py: journal_mode {journal_mode} refused (got {mode})", file=sys.stderr)
        return 1
    con.execute(f"PRAGMA synchronous={synchronous}")
    transactions = [
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, data BLOB)",
        "INSERT INTO t(name, data) VALUES ('one', x'01')",
        "INSERT INTO t(name, data) VALUES ('two', randomblob(9000))",
        "INSERT INTO t(name, data) VALUES ('three', x'03')",
        "UPDATE t SET name = 'TWO' WHERE id = 2",
        "DELETE FROM t WHERE id = 1",
    ]
    for r in range(rounds):
        transactions += [
            f"INSERT INTO t(name, data) VALUES ('r{r}', randomblob({1000 + 700 * r}))",
            f"UPDATE t SET name = 'R{r}' WHERE name = 'r{r}'",
            f"DELETE FROM t WHERE id = (SELECT min(id) FROM t)",
        ]
    for n, sql in enumerate(transactions, 1):
        con.execute("BEGIN")
        con.execute(sql)
        con.execute("COMMIT")
        print(f"committed {n}", flush=True)
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
