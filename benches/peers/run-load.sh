#!/usr/bin/env bash
# The server load comparison of BENCHMARKS.md ("Server load"), 127.0.0.1 only.
#
# Runs the load generator (adapters/tokio/examples/load/) for $SECONDS s at 1, 10 and 50
# clients against `imapm serve`, go-imap v1's memory server and Dovecot (maildir on a tmpfs),
# interleaved by client count, then the IDLE test against a fresh `imapm serve`.
#
#   Usage: benches/peers/run-load.sh OUTDIR
#   Env:   TARGET (default target/release)  where imapm and examples/load are
#          GOIMAP (default $TARGET/goimap-memory)   the binary built as in README.md here
#          SHARED (default ../shared)  holds peers/start-dovecot.sh and stop-dovecot.sh
#          SECONDS_PER_RUN (default 30), CLIENTS (default "1 10 50"), IDLE (default 10000),
#          PORT_BASE (default 21140: imapm +3, go-imap +4, Dovecot +5, IDLE imapm +6)
#          LAYOUT (default shared): shared = servers and generator float over both cores;
#                 pinned = every server on core 0 (taskset; imapm then runs one runtime and
#                 Go one P, as each sizes itself to the CPUs it may use), generator on core 1
#          DRIVER (default machine): the generator's client, machine or tokio (see load/conn.rs)
#          SERVERS (default "imapm goimap dovecot"): only these are started
#          MODE (default own): own = each client in its own mailbox; shared = all clients in
#                 one mailbox (the generator's --shared: APPEND/STORE/EXPUNGE/UID EXPUNGE/FETCH
#                 at random, every response checked against the RFCs; machine driver only).
#                 A server that breaks the checks makes its run fail: see its .err file
# Build first:
#   cargo build --release -p imap-machine-cli
#   cargo build --release -p imap-machine-tokio --example load
#   (cd benches/peers/goimap-memory && GO111MODULE=off GOPATH=/usr/share/gocode go build -o ../../../target/release/goimap-memory .)
set -euo pipefail

OUT=${1:?usage: run-load.sh OUTDIR}
TARGET=${TARGET:-target/release}
GOIMAP=${GOIMAP:-$TARGET/goimap-memory}
SHARED=${SHARED:-../shared}
SECS=${SECONDS_PER_RUN:-30}
CLIENTS=${CLIENTS:-1 10 50}
IDLE=${IDLE:-10000}
B=${PORT_BASE:-21140}
P_IMAPM=$((B + 3)) P_GO=$((B + 4)) P_DOVE=$((B + 5)) P_IDLE=$((B + 6))
LOAD=$TARGET/examples/load
LAYOUT=${LAYOUT:-shared}
DRIVER=${DRIVER:-machine}
SERVERS=${SERVERS:-imapm goimap dovecot}
MODE=${MODE:-own}
case $MODE in
  own) MODE_ARGS=() ;;
  shared) MODE_ARGS=(--shared) ;;
  *) echo "MODE: own or shared" >&2; exit 2 ;;
esac
has() { case " $SERVERS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
case $LAYOUT in
  shared) ON_SERVER=() ON_GEN=() ;;
  pinned) ON_SERVER=(taskset -c 0) ON_GEN=(taskset -c 1) ;;
  *) echo "LAYOUT: shared or pinned" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
echo "layout=$LAYOUT driver=$DRIVER mode=$MODE" > "$OUT/summary.txt"
export DOVECOT_DIR=${DOVECOT_DIR:-/dev/shm/imapm-load-dovecot}

# A sampler: the load and the busiest processes every 5 s, to show the machine was quiet.
( while true; do { date +%T; top -b -n 1 -w 120 | sed -n "1p;7,12p"; } >> "$OUT/sampler.txt"; sleep 5; done ) &
SAMPLER=$!

pids=()
cleanup() {
  kill "$SAMPLER" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if has dovecot; then DOVECOT_DIR=$DOVECOT_DIR bash "$SHARED/peers/stop-dovecot.sh" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# CPU seconds used so far by a server: the process and its living children, plus the
# children it has reaped (Dovecot forks an imap process per connection).
TCK=$(getconf CLK_TCK)
cpu() {
  local t=0 c
  for c in $1 $(pgrep -P "$1" || true); do
    t=$((t + $(awk '{print $14 + $15}' /proc/"$c"/stat 2>/dev/null || echo 0)))
  done
  t=$((t + $(awk '{print $16 + $17}' /proc/"$1"/stat 2>/dev/null || echo 0)))
  echo "$t"
}

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

if has imapm; then
  "${ON_SERVER[@]}" "$TARGET/imapm" serve --listen 127.0.0.1:$P_IMAPM --user bench:bench --quiet 2> "$OUT/imapm.log" &
  PID_IMAPM=$!
  pids+=($!)
  wait_port $P_IMAPM
fi
if has goimap; then
  "${ON_SERVER[@]}" "$GOIMAP" -listen 127.0.0.1:$P_GO 2> "$OUT/goimap.log" &
  PID_GO=$!
  pids+=($!)
  wait_port $P_GO
fi
if has dovecot; then
  DOVECOT_PORT=$P_DOVE "${ON_SERVER[@]}" bash "$SHARED/peers/start-dovecot.sh" > "$OUT/dovecot.pid"
  PID_DOVE=$(cat "$OUT/dovecot.pid")
  wait_port $P_DOVE
fi

status=0
for n in $CLIENTS; do
  for s in $SERVERS; do
    case $s in
      imapm) args=(--addr 127.0.0.1:$P_IMAPM --user bench --pass bench) pid=$PID_IMAPM ;;
      goimap) args=(--addr 127.0.0.1:$P_GO --user username --pass password) pid=$PID_GO ;;
      dovecot) args=(--addr 127.0.0.1:$P_DOVE --user alice --pass secret) pid=$PID_DOVE ;;
    esac
    echo "== $s, $n clients, $SECS s ($(uptime))" | tee -a "$OUT/summary.txt"
    before=$(cpu "$pid")
    if ! /usr/bin/time -f "generator CPU: user %U s, system %S s" -o "$OUT/$s-$n.time" \
        "${ON_GEN[@]}" "$LOAD" "${args[@]}" --clients "$n" --seconds "$SECS" --driver "$DRIVER" "${MODE_ARGS[@]}" \
        --mailbox-prefix "load-$s-$n-$RANDOM" > "$OUT/$s-$n.txt" 2> "$OUT/$s-$n.err"; then
      status=1
    fi
    grep -E '^(summary|errors):' "$OUT/$s-$n.txt" | tee -a "$OUT/summary.txt" || cat "$OUT/$s-$n.err"
    # go-imap v1's memory backend has no locks: a shared mailbox may crash it.
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$s exited during the run: $(tail -3 "$OUT/$s.log" 2>/dev/null)" | tee -a "$OUT/summary.txt"
      status=1
    fi
    used=$(awk -v t=$(($(cpu "$pid") - before)) -v k="$TCK" 'BEGIN { printf "%.1f", t / k }')
    echo "server CPU: $used s; $(tail -1 "$OUT/$s-$n.time")" | tee -a "$OUT/summary.txt"
    sleep 5
  done
done

# IDLE (IDLE=0 skips it): a fresh server, so its memory is that of the idlers alone.
if [ "$IDLE" -gt 0 ]; then
  "${ON_SERVER[@]}" "$TARGET/imapm" serve --listen 127.0.0.1:$P_IDLE --user bench:bench --quiet 2> "$OUT/imapm-idle.log" &
  IDLE_PID=$!
  pids+=($IDLE_PID)
  wait_port $P_IDLE
  echo "== imapm serve, $IDLE idlers ($(uptime))" | tee -a "$OUT/summary.txt"
  "${ON_GEN[@]}" "$LOAD" --addr 127.0.0.1:$P_IDLE --user bench --pass bench --idle "$IDLE" --rounds 10 --server-pid $IDLE_PID \
    --max-rss-mib 200 --max-p99-ms 1000 --mailbox-prefix "idle-$IDLE" 2>&1 | tee "$OUT/idle-$IDLE.txt" | tee -a "$OUT/summary.txt" || status=1
fi
exit $status
