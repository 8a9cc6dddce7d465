#!/usr/bin/env bash
# Starts a throw-away PostgreSQL for the tests of stores/postgres, bound to 127.0.0.1 only,
# its data in a temp dir, password authentication (scram-sha-256) for user postgres.
#
#   Usage: .ci/postgres.sh start | stop | resume (start again on the data kept) | restart
#   Env:   IMAPM_PG_PORT (default 55432), IMAPM_PG_DIR (default /tmp/imapm-pg)
#   Prints the URL the tests read from IMAPM_PG_URL on start. pg_stat_statements is
#   loaded, for .ci/pg_roundtrips.sh (statements per IMAP command).
#
# initdb refuses to run as root: as root it runs as the `postgres` user the Debian
# package makes (created here if missing).
set -euo pipefail
PORT=${IMAPM_PG_PORT:-55432}
DIR=${IMAPM_PG_DIR:-/tmp/imapm-pg}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$BIN" ]; then
  echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2
  exit 1
fi
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-start}" in
  start)
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then useradd -r -m postgres; fi
    if [ -f "$DIR/data/postmaster.pid" ]; then as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    echo secret > "$DIR/pw"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR/pw"
    as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --pwfile="$DIR/pw" -A scram-sha-256 >/dev/null
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=300 -c fsync=off -c shared_preload_libraries=pg_stat_statements" start >/dev/null
    echo "postgres://postgres:secret@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    ;;
  resume)
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=300 -c fsync=off -c shared_preload_libraries=pg_stat_statements" start >/dev/null
    ;;
  restart)
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w restart >/dev/null
    ;;
esac
