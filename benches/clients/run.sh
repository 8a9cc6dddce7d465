#!/usr/bin/env bash
# Client benchmark: where the IMAP *client* is the bottleneck.
#
# Compares, in one run and on the same bytes:
#   tokio       imap_machine_tokio::Client (current-thread runtime)      src/ours.rs
#   blocking    imap_machine_blocking::Client                            src/ours.rs
#   async-imap  async-imap (crates.io, runtime-tokio, current-thread)    src/async_imap_client.rs
#   go-imap     go-imap v1 client (Debian's golang-github-emersion-go-imap-dev)   go/main.go
#   floor       not a client: reads the same answer into one buffer, parsing nothing   src/floor.rs
#               (the kernel's copy and the read calls alone: no client can cost less)
# on three workloads:
#   envelope    UID FETCH 1:* (UID FLAGS ENVELOPE)   over 10,000 small messages
#   bodies      UID FETCH 1:1000 BODY.PEEK[]         over 1,000 messages of ~50 KB
#   roundtrip   1,000 sequential UID FETCH <n> (UID FLAGS), each awaited
#
# How:
#   1. Builds everything in release mode into benches/clients/target (never the workspace's).
#   2. If benches/clients/target/capture is missing or was made by another capture.py:
#      starts a throw-away Dovecot 2.3 (../shared/peers/start-dovecot.sh, user alice, maildir
#      on /dev/shm), fills it (capture.py populate: deterministic messages) and records its
#      exact response bytes (capture.py capture).
#   3. Replay phase: `replay` (src/replay.rs) serves those recorded bytes, pinned to CPU 1;
#      each client x workload runs pinned to CPU 0 (drive.py: RUNS runs after a warm-up
#      round, medians, peak RSS via /usr/bin/time). The server only copies bytes, so the
#      client is the bottleneck.
#   4. Dovecot phase (the realistic case): the same clients against the real Dovecot (its
#      processes pinned to CPU 1) for envelope and bodies. Dovecot is stopped and its
#      directory removed at the end.
#   Tables go to stdout and to target/results/<time>.md (every run as JSON lines beside it).
#
# Usage: benches/clients/run.sh          (from anywhere; ~3 minutes on 2 cores)
# Env:   RUNS (default 5)   PHASES (default "replay dovecot")
#        IMPLS (default tokio,blocking,async-imap,go-imap,floor)
#        SHARED (default <repo>/../shared)   DOVECOT_DIR (default /dev/shm/imap-machine-bench-clients)
#        NICE (default 15: the nice level of the builds)
# Needs: cargo, python3, taskset; Dovecot (apt-get install -y dovecot-imapd) for capturing
#        and the Dovecot phase; /usr/bin/time (package time) for peak RSS; go + go-imap v1
#        for the go-imap rows (installed with apt-get when running as root, else skipped).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
TARGET=$HERE/target
CAPTURE=$TARGET/capture
RELEASE=$TARGET/release
RUNS=${RUNS:-5}
PHASES=${PHASES:-replay dovecot}
IMPLS=${IMPLS:-tokio,blocking,async-imap,go-imap,floor}
NICE=${NICE:-15}
export DOVECOT_DIR=${DOVECOT_DIR:-/dev/shm/imap-machine-bench-clients}
GOIMAP_SRC=/usr/share/gocode/src/github.com/emersion/go-imap
export CARGO_TARGET_DIR=$TARGET

say() { echo "== $*" >&2; }
has_phase() { case " $PHASES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing $*"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    return 1
  fi
}

# Cleanup: only what this script started, by PID.
REPLAY_PID=""
DOVECOT_STARTED=0
cleanup() {
  if [ -n "$REPLAY_PID" ]; then kill "$REPLAY_PID" 2>/dev/null || true; wait "$REPLAY_PID" 2>/dev/null || true; fi
  if [ "$DOVECOT_STARTED" = 1 ]; then
    bash "$SHARED/peers/stop-dovecot.sh" >/dev/null 2>&1 || true
    rm -rf "$DOVECOT_DIR"
  fi
}
trap cleanup EXIT

# ---- 1. Build ------------------------------------------------------------------------------
say "building (release) into $TARGET"
nice -n "$NICE" cargo build --release --quiet --manifest-path "$HERE/Cargo.toml"

if [ ! -x /usr/bin/time ]; then
  apt_install time || echo "!! /usr/bin/time missing (apt-get install -y time): peak RSS will include Python's" >&2
fi

GO_CLIENT=""
if [[ ",$IMPLS," == *",go-imap,"* ]]; then
  if ! command -v go >/dev/null || [ ! -d "$GOIMAP_SRC" ]; then
    apt_install golang-go golang-github-emersion-go-imap-dev || true
  fi
  if command -v go >/dev/null && [ -d "$GOIMAP_SRC" ]; then
    say "building the go-imap client"
    (cd "$HERE/go" && GOCACHE=${GOCACHE:-$TARGET/gocache} GO111MODULE=off GOPATH=/usr/share/gocode \
      nice -n "$NICE" go build -o "$RELEASE/bench-client-go" .)
    GO_CLIENT=$RELEASE/bench-client-go
  else
    echo "!!!!!!!! go or go-imap v1 is missing (apt-get install -y golang-go golang-github-emersion-go-imap-dev):" >&2
    echo "!!!!!!!! the go-imap column is SKIPPED" >&2
  fi
fi

# ---- Dovecot -------------------------------------------------------------------------------
DOVECOT_PORT=""
dovecot_start() { # $1 = 1: keep the mail from the previous start
  if [ ! -x /usr/sbin/dovecot ]; then
    apt_install dovecot-imapd || { echo "dovecot missing: apt-get install -y dovecot-imapd" >&2; return 1; }
  fi
  if [ ! -f "$SHARED/peers/start-dovecot.sh" ]; then
    echo "$SHARED/peers/start-dovecot.sh missing (set SHARED)" >&2
    return 1
  fi
  DOVECOT_PORT=$(free_port)
  # (`|| return`: errexit does not apply inside a function called from an `if`.)
  DOVECOT_KEEP=$1 DOVECOT_PORT=$DOVECOT_PORT taskset -c 1 bash "$SHARED/peers/start-dovecot.sh" >/dev/null || return 1
  DOVECOT_STARTED=1
  say "Dovecot on 127.0.0.1:$DOVECOT_PORT (CPU 1), filling it"
  python3 "$HERE/capture.py" populate --port "$DOVECOT_PORT" || return 1
}
dovecot_stop() {
  bash "$SHARED/peers/stop-dovecot.sh" >/dev/null 2>&1 || true
}

# ---- 2. Capture ----------------------------------------------------------------------------
if has_phase replay && ! python3 "$HERE/capture.py" check --out "$CAPTURE"; then
  say "capturing Dovecot's responses into $CAPTURE"
  rm -rf "$CAPTURE"
  dovecot_start 0
  python3 "$HERE/capture.py" capture --port "$DOVECOT_PORT" --out "$CAPTURE"
  dovecot_stop # until the Dovecot phase: only the replay server runs during the replay phase
fi

# ---- Results header ------------------------------------------------------------------------
mkdir -p "$TARGET/results"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT=$TARGET/results/$STAMP.md
JSON=$TARGET/results/$STAMP.jsonl
lockver() { grep -A1 "^name = \"$1\"$" "$HERE/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p' | head -1; }
{
  echo "## Client benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- imap-machine: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src adapters 2>/dev/null || echo ' + uncommitted changes in src/ or adapters/')"
  echo "- $(rustc --version); async-imap $(lockver async-imap), tokio $(lockver tokio)"
  if [ -n "$GO_CLIENT" ]; then
    echo "- $(go version | cut -d' ' -f3); go-imap $(dpkg-query -W -f '${Version}' golang-github-emersion-go-imap-dev 2>/dev/null || echo '?')"
  fi
  echo "- CPU: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$REPORT"

drive() { # $1 = address, $2 = label, $3 = workloads, $4 = implementations (default $IMPLS)
  python3 "$HERE/drive.py" --addr "$1" --label "$2" --workloads "$3" --impls "${4:-$IMPLS}" --runs "$RUNS" \
    --rust-client "$RELEASE/bench-client" ${GO_CLIENT:+--go-client "$GO_CLIENT"} --json "$JSON" | tee -a "$REPORT"
}

# ---- 3. Replay phase -----------------------------------------------------------------------
if has_phase replay; then
  taskset -c 1 "$RELEASE/replay" --capture "$CAPTURE" >"$TARGET/replay.out" 2>"$TARGET/replay.err" &
  REPLAY_PID=$!
  for _ in $(seq 1 50); do grep -q '^listening on' "$TARGET/replay.out" 2>/dev/null && break; sleep 0.1; done
  ADDR=$(sed -n 's/^listening on //p' "$TARGET/replay.out")
  [ -n "$ADDR" ] || { cat "$TARGET/replay.err" >&2; exit 1; }
  say "replay server on $ADDR (CPU 1)"
  drive "$ADDR" "Replay of recorded Dovecot bytes (client-bound)" envelope,bodies,roundtrip
  kill "$REPLAY_PID"; wait "$REPLAY_PID" 2>/dev/null || true; REPLAY_PID=""
  if [ -s "$TARGET/replay.err" ]; then say "replay server stderr:"; cat "$TARGET/replay.err" >&2; fi
fi

# ---- 4. Dovecot phase ----------------------------------------------------------------------
if has_phase dovecot; then
  if dovecot_start "$DOVECOT_STARTED"; then
    # The floor measures the client side only against the replay server.
    drive "127.0.0.1:$DOVECOT_PORT" "Dovecot 2.3 on CPU 1 (realistic: server-bound)" envelope,bodies \
      "$(echo ",$IMPLS," | sed 's/,floor,/,/; s/^,//; s/,$//')"
  else
    echo "!!!!!!!! no Dovecot: the Dovecot phase is SKIPPED" >&2
  fi
fi

say "report: $REPORT"
