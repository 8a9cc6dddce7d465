#!/usr/bin/env bash
# CI's load checks against `imapm serve` (the tokio server on the memory backend), 127.0.0.1
# only: 10 s at 10 clients with every response verified (and 5 s more through the tokio
# adapter's Client, and 5 s on the Maildir store, `--store maildir:`; and a run into whose
# mailbox another client APPENDs must fail), 10 s at 10 clients sharing one mailbox with every response checked against the RFCs, then
# 10,000 connections in IDLE
# that must all see each of 5 APPENDs, with the server's VmRSS under 200 MiB and the p99
# delivery latency under 1 s, and again with COMPRESS=DEFLATE under 400 MiB; then the big-mailbox checks of .ci/big.sh (1,000,000
# messages: NOOP p99 under whole-mailbox STORE, server memory during FETCH 1:*). The
# generator and `imapm serve` raise their own open-files limits. Any failure exits non-zero.
#   Usage: .ci/load.sh   (from the repository root, after the release build below)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p imap-machine-cli --bin imapm
cargo build -q --release -p imap-machine-tokio --example load
T=target/release
PORT=${LOAD_PORT:-21190}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

echo "-- 10 clients, 10 s"
"$T/imapm" serve --listen 127.0.0.1:$PORT --user bench:bench --quiet &
pids+=($!)
wait_port $PORT
"$T/examples/load" --addr 127.0.0.1:$PORT --user bench --pass bench --clients 10 --seconds 10 | grep -E '^(summary|total)'
echo "-- 10 clients, 5 s, through the tokio adapter's Client"
"$T/examples/load" --addr 127.0.0.1:$PORT --user bench --pass bench --clients 10 --seconds 5 --driver tokio \
  --mailbox-prefix tokio | grep -E '^(summary|total)'

echo "-- 10 clients, 5 s, on the Maildir store (imapm serve --store maildir:)"
MD=$(mktemp -d)
"$T/imapm" serve --listen 127.0.0.1:$((PORT + 7)) --user bench:bench --quiet --store "maildir:$MD" &
md_pid=$!
pids+=($md_pid)
wait_port $((PORT + 7))
"$T/examples/load" --addr 127.0.0.1:$((PORT + 7)) --user bench --pass bench --clients 10 --seconds 5 | grep -E '^(summary|total)'
kill $md_pid 2>/dev/null || true
rm -rf "$MD"

if [ -n "${IMAPM_PG_URL:-}" ]; then
  echo "-- 10 clients in one shared mailbox, 10 s each, on PostgreSQL: through one imapm serve, then spread over two on one database"
  for p in 8 9; do
    "$T/imapm" serve --listen 127.0.0.1:$((PORT + p)) --user pgbench:bench --quiet --store "$IMAPM_PG_URL" &
    pids+=($!)
    wait_port $((PORT + p))
  done
  stamp=$(date +%s)
  "$T/examples/load" --addr 127.0.0.1:$((PORT + 8)) --user pgbench --pass bench --clients 10 --seconds 10 --shared \
    --mailbox-prefix "pg-one-$stamp" | grep -E '^(summary|total|errors)'
  "$T/examples/load" --addr 127.0.0.1:$((PORT + 8)),127.0.0.1:$((PORT + 9)) --user pgbench --pass bench --clients 10 \
    --seconds 10 --shared --mailbox-prefix "pg-two-$stamp" | grep -E '^(summary|total|errors)'
fi

echo "-- 10 clients in one shared mailbox, 10 s"
"$T/examples/load" --addr 127.0.0.1:$PORT --user bench --pass bench --clients 10 --seconds 10 --shared \
  --mailbox-prefix shared | grep -E '^(summary|total|errors)'

# The checks are not vacuous: a message the generator did not append must fail its run.
echo "-- another client APPENDs into a generator's mailbox: the generator must fail"
tmp=$(mktemp -d)
for d in machine tokio; do
  "$T/examples/load" --addr 127.0.0.1:$PORT --user bench --pass bench --clients 1 --seconds 8 --driver $d \
    --mailbox-prefix intruded-$d > /dev/null 2> "$tmp/$d.err" &
  gen=$!
  sleep 2
  python3 - "$PORT" "intruded-$d-0" <<'PY'
import imaplib, sys
c = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
c.login("bench", "bench")
typ, _ = c.append(sys.argv[2], None, None, b"Subject: intruder\r\n\r\nnot the generator's\r\n")
assert typ == "OK", typ
c.logout()
PY
  if wait $gen; then
    echo "load --driver $d did not notice a message it had not appended" >&2
    exit 1
  fi
  grep -m1 "verification failure" "$tmp/$d.err" || { cat "$tmp/$d.err" >&2; exit 1; }
done
rm -rf "$tmp"

echo "-- 10,000 idle connections"
"$T/imapm" serve --listen 127.0.0.1:$((PORT + 1)) --user bench:bench --quiet &
idle_pid=$!
pids+=($idle_pid)
wait_port $((PORT + 1))
"$T/examples/load" --addr 127.0.0.1:$((PORT + 1)) --user bench --pass bench --idle 10000 --rounds 5 \
  --server-pid $idle_pid --max-rss-mib 200 --max-p99-ms 1000

kill $idle_pid 2>/dev/null || true

echo "-- 10,000 idle connections with COMPRESS=DEFLATE (RFC 4978)"
"$T/imapm" serve --listen 127.0.0.1:$((PORT + 4)) --user bench:bench --quiet &
zidle_pid=$!
pids+=($zidle_pid)
wait_port $((PORT + 4))
"$T/examples/load" --addr 127.0.0.1:$((PORT + 4)) --user bench --pass bench --idle 10000 --rounds 5 \
  --server-pid $zidle_pid --max-rss-mib 400 --max-p99-ms 1000 --compress
kill $zidle_pid 2>/dev/null || true

echo "-- big mailboxes (.ci/big.sh)"
BIG_PORT=$((PORT + 2)) .ci/big.sh
