#!/usr/bin/env bash
# CI's big-mailbox checks against `imapm serve` (the tokio server on the memory backend),
# 127.0.0.1 only, each on a fresh server whose one mailbox the generator fills with
# 1,000,000 tiny messages (pipelined APPEND, LITERAL+):
#   - no stall: 10 clients loop NOOP while another loops whole-mailbox
#     STORE 1:* +FLAGS.SILENT / -FLAGS.SILENT (\Flagged) for 10 s; NOOP p99 must be <= 50 ms;
#   - memory: SELECT, FETCH 1:* (FLAGS) and UID SEARCH ALL of the mailbox may grow the
#     server's VmRSS (sampled every 10 ms) by at most 64 MiB.
# Both checks run; any failure exits non-zero. About 1-2 minutes.
#   Usage: .ci/big.sh   (from the repository root; BIG_PORT=P uses ports P and P+1)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p imap-machine-cli --bin imapm
cargo build -q --release -p imap-machine-tokio --example load
T=${CARGO_TARGET_DIR:-target}/release
PORT=${BIG_PORT:-21192}
MESSAGES=${BIG_MESSAGES:-1000000}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
status=0

echo "-- no stall: NOOP p99 under whole-mailbox STORE at $MESSAGES messages"
"$T/imapm" serve --listen 127.0.0.1:$PORT --user bench:bench --quiet &
pid=$!
pids+=($pid)
wait_port $PORT
"$T/examples/load" --addr 127.0.0.1:$PORT --user bench --pass bench --stall --messages "$MESSAGES" \
  --clients 10 --seconds 10 --server-pid $pid --max-p99-ms 50 || status=1
kill $pid 2>/dev/null || true

echo "-- memory: server VmRSS growth during FETCH 1:* (FLAGS) at $MESSAGES messages"
"$T/imapm" serve --listen 127.0.0.1:$((PORT + 1)) --user bench:bench --quiet &
pid=$!
pids+=($pid)
wait_port $((PORT + 1))
"$T/examples/load" --addr 127.0.0.1:$((PORT + 1)) --user bench --pass bench --fetch-rss --messages "$MESSAGES" \
  --server-pid $pid --max-rss-growth-mib 64 || status=1
exit $status
