# A private PostgreSQL server for the tests (design.md §9): a fresh cluster in a
# temporary directory, on a free loopback port, owned by an unprivileged OS user
# (PostgreSQL refuses to run as root), stopped and removed by pg_stop.
#   source scripts/lib/postgres.sh; pg_start; ...; pg_stop
# pg_start exports GETXAPI_TEST_POSTGRES_URL (postgresql://...) for the tests
# labelled `postgres`. Call pg_stop from an EXIT trap so a failure stops it too.
# shellcheck shell=bash

GETXAPI_POSTGRES_PACKAGES=(postgresql libpq-dev)

_pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

# A port nobody listens on now, from the kernel's ephemeral range.
_pg_free_port() {
  python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

pg_start() {
  local bindir user
  bindir="$(_pg_bindir)" || { echo "pg_start: no PostgreSQL server installed" >&2; return 1; }
  user="$(id -un)"
  GETXAPI_PG_DIR="$(mktemp -d /tmp/getxapi-pg.XXXXXX)"
  chmod 755 "$GETXAPI_PG_DIR"
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    user=postgres
    id "$user" >/dev/null 2>&1 || useradd --system --no-create-home "$user"
    chown "$user" "$GETXAPI_PG_DIR"
    run=(runuser -u "$user" --)
  fi
  GETXAPI_PG_RUN=("${run[@]}")
  GETXAPI_PG_BINDIR="$bindir"
  "${run[@]}" "$bindir/initdb" -D "$GETXAPI_PG_DIR/data" -U getxapi --auth=trust \
    --no-sync -E UTF8 >"$GETXAPI_PG_DIR/initdb.log" 2>&1 ||
    { cat "$GETXAPI_PG_DIR/initdb.log" >&2; return 1; }
  local port attempt
  for attempt in 1 2 3 4 5; do
    port="$(_pg_free_port)"
    if "${run[@]}" "$bindir/pg_ctl" -D "$GETXAPI_PG_DIR/data" -l "$GETXAPI_PG_DIR/server.log" \
      -w -t 30 -o "-p $port -k $GETXAPI_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100" \
      start >/dev/null 2>&1; then
      break
    fi
    port=""
  done
  [ -n "$port" ] || { echo "pg_start: server did not start" >&2; cat "$GETXAPI_PG_DIR/server.log" >&2; return 1; }
  "${run[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U getxapi getxapi_test
  export GETXAPI_TEST_POSTGRES_URL="postgresql://getxapi@127.0.0.1:$port/getxapi_test"
  echo "    postgres: private server on 127.0.0.1:$port ($GETXAPI_PG_DIR)"
}

pg_stop() {
  [ -n "${GETXAPI_PG_DIR:-}" ] || return 0
  if [ -d "$GETXAPI_PG_DIR/data" ]; then
    "${GETXAPI_PG_RUN[@]}" "$GETXAPI_PG_BINDIR/pg_ctl" -D "$GETXAPI_PG_DIR/data" -m immediate \
      -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$GETXAPI_PG_DIR"
  unset GETXAPI_PG_DIR GETXAPI_TEST_POSTGRES_URL
}
