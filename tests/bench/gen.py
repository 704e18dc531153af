#!/usr/bin/env python3
"""tests/bench/gen.py - the workloads of `make bench`, generated on the spot.

    gen.py big DIR MB FILES        FILES migrations, MB megabytes of SQL in all
                                   (valid UTF-8 with quotes, backslashes, `??`,
                                   `*/` and non-ASCII text, so the bundle's
                                   escaping is exercised as in real SQL dumps)
    gen.py small DIR N [dbmate]    N small migrations (every 10th one creates
                                   a table, the others add a row to it), in
                                   migc's naming or, with `dbmate`,
                                   in dbmate's (`-- migrate:up` sections)
    gen.py git N_COMMITS N_MIGS    a `git fast-import` stream on stdout: one
                                   branch `main` of N_COMMITS commits, N_MIGS of
                                   which add one migration each (spread evenly),
                                   the others edit files outside migrations/

Deterministic: the same arguments give the same bytes.
"""
import os
import sys


def big(out, mb, files):
    os.makedirs(out)
    per_file = mb * 1000 * 1000 // files
    line = ("INSERT INTO events (id, note) VALUES (%d, 'r\u00e9sum\u00e9 \"q\" \\\\ ??= caf\u00e9 "
            "-- */ tab\there');\n")
    for i in range(1, files + 1):
        parts, size, n = [], 0, 0
        while size < per_file:
            s = line % (i * 100000 + n)
            parts.append(s)
            size += len(s.encode())
            n += 1
        body = "".join(parts).encode()[:per_file]
        # do not end in the middle of a UTF-8 sequence
        while body and (body[-1] & 0xC0) == 0x80:
            body = body[:-1]
        if body and body[-1] >= 0xC0:
            body = body[:-1]
        with open(os.path.join(out, "%05d_bench_%d.sql" % (i, i)), "wb") as f:
            f.write(body)


def small_sql(i):
    """Migration i of a small workload: every 10th creates a table, the nine
    after it add a row to it (schema and data migrations, as in real apps;
    not ALTER TABLE, which re-parses SQLite's whole schema each time and so
    would make the workload measure SQLite's O(n^2) instead of migc)."""
    group = (i - 1) // 10
    if (i - 1) % 10 == 0:
        return ("-- bench migration %d\n"
                "CREATE TABLE t_%d (id integer PRIMARY KEY, name text NOT NULL, n integer);\n"
                % (i, group))
    return ("-- bench migration %d\nINSERT INTO t_%d (id, name, n) VALUES (%d, 'step %d', %d);\n"
            % (i, group, i, i, i))


def small(out, n, flavour):
    os.makedirs(out)
    for i in range(1, n + 1):
        sql = small_sql(i)
        if flavour == "dbmate":
            name = "%06d_step_%d.sql" % (i, i)
            sql = "-- migrate:up\n" + sql + "\n-- migrate:down\n"
        else:
            name = "%06d_step_%d.sql" % (i, i)
        with open(os.path.join(out, name), "w") as f:
            f.write(sql)


def git_stream(commits, migrations):
    out = sys.stdout.buffer
    adds = {}
    for k in range(1, migrations + 1):
        adds[-(-k * commits // migrations)] = k

    def data(b):
        out.write(b"data %d\n" % len(b) + b + b"\n")

    for i in range(1, commits + 1):
        t = 1704067200 + i * 60
        out.write(b"commit refs/heads/main\nmark :%d\n" % i)
        out.write(b"author Bench <bench@migc.invalid> %d +0000\n" % t)
        out.write(b"committer Bench <bench@migc.invalid> %d +0000\n" % t)
        data(b"commit %d" % i)
        if i > 1:
            out.write(b"from :%d\n" % (i - 1))
        k = adds.get(i)
        if k:
            out.write(b"M 100644 inline migrations/%06d_step_%d.sql\n" % (k, k))
            data(small_sql(k).encode())
        else:
            out.write(b"M 100644 inline src/file_%02d.txt\n" % (i % 64))
            data(b"revision %d of file %d\n" % (i, i % 64))


def main(argv):
    if len(argv) >= 5 and argv[1] == "big":
        big(argv[2], int(argv[3]), int(argv[4]))
    elif len(argv) >= 4 and argv[1] == "small":
        small(argv[2], int(argv[3]), argv[4] if len(argv) > 4 else "migc")
    elif len(argv) == 4 and argv[1] == "git":
        git_stream(int(argv[2]), int(argv[3]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
