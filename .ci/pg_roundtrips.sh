#!/usr/bin/env bash
# Database statements per IMAP command on `imapm serve --store postgres://`: a throw-away
# PostgreSQL with pg_stat_statements (.ci/postgres.sh on its own port), one imapm serve,
# and python imaplib running each command 100 times; the statements PostgreSQL executed
# for them (the listener's once-a-second catch-up query left out), divided by 100.
# Each statement is one round trip to execute, plus one to prepare it (the `postgres`
# crate prepares unnamed statements), so round trips are about twice the statements.
#   Usage: .ci/pg_roundtrips.sh [path/to/imapm]   (default target/release/imapm)
set -euo pipefail
cd "$(dirname "$0")/.."
IMAPM=${1:-target/release/imapm}
export IMAPM_PG_PORT=55439 IMAPM_PG_DIR=/tmp/imapm-pg-roundtrips
URL=$(bash .ci/postgres.sh start)
trap 'kill $srv 2>/dev/null; bash .ci/postgres.sh stop' EXIT
export PGPASSWORD=secret
psql -q -h 127.0.0.1 -p $IMAPM_PG_PORT -U postgres -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" postgres
"$IMAPM" serve --listen 127.0.0.1:21290 --store "$URL" --user rt:secret --quiet &
srv=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/21290) 2>/dev/null && break; sleep 0.1; done
python3 - "$IMAPM_PG_PORT" <<'PY'
import imaplib, subprocess, sys
port = sys.argv[1]
def sql(q):
    out = subprocess.run(["psql", "-qtA", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-c", q, "postgres"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return out
def statements():
    return int(sql("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
                   "WHERE query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%log_len FROM imapm_mailboxes WHERE id = ANY%'"))
c = imaplib.IMAP4("127.0.0.1", 21290)
c.login("rt", "secret")
msg = b"Subject: rt\r\n\r\nround trips\r\n"
for _ in range(5):
    c.append("INBOX", None, None, msg)
c.select("INBOX")
N = 100
cases = [
    ("NOOP (selected)", lambda: c.noop()),
    ("APPEND", lambda: c.append("INBOX", None, None, msg)),
    ("FETCH 1 (FLAGS)", lambda: c.fetch("1", "(FLAGS)")),
    ("FETCH 1 (BODY.PEEK[])", lambda: c.fetch("1", "(BODY.PEEK[])")),
    ("STORE 1 +FLAGS (\\Seen) / -FLAGS", None),
    ("STATUS INBOX (MESSAGES UNSEEN)", lambda: c.status("INBOX", "(MESSAGES UNSEEN)")),
    ("SELECT INBOX", lambda: c.select("INBOX")),
]
print("| command | statements |")
print("| --- | ---: |")
for name, f in cases:
    sql("SELECT pg_stat_statements_reset()")
    before = statements()
    for k in range(N):
        if f is None:
            c.store("1", "+FLAGS" if k % 2 == 0 else "-FLAGS", "(\\Seen)")
        else:
            f()
    print(f"| `{name}` | {(statements() - before) / N:.1f} |")
c.logout()
PY
