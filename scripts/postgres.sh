# Sourced by test-all.sh: makes sure `DATABASE_URL` names a Postgres server that answers.
#
# - `DATABASE_URL` set by the caller: used as is; if it does not answer, the run fails (the
#   Postgres tests are never skipped).
# - Unset: the default local server (`postgres://postgres@127.0.0.1:5432/test`) if it answers;
#   otherwise a private cluster: Debian's `postgresql` is installed if missing, and a fresh
#   cluster runs in a temporary directory on a free loopback port (trust auth, its unix
#   socket inside that directory), stopped and deleted when the script exits, also on failure.
#   Another server on the machine is never stopped or reconfigured.
#
# `NANGO_TEST_PG_DEFAULT_URL` (internal, for testing this file) replaces the default URL, e.g.
# `postgres://postgres@127.0.0.1:1/test` (a closed port) to take the private-cluster path
# on a machine that has a server.

PG_DEFAULT_URL="${NANGO_TEST_PG_DEFAULT_URL:-postgres://postgres@127.0.0.1:5432/test}"
PG_PRIVATE_DIR=""
PG_BIN=""

# True when a server accepts connections at URL $1 (a real query when psql is there, else
# an open TCP port).
pg_answers() {
  local url="$1"
  if command -v psql >/dev/null; then
    PGCONNECT_TIMEOUT=5 psql "$url" -qAtc 'SELECT 1' >/dev/null 2>&1
  else
    local hostport="${url#*://}"
    hostport="${hostport#*@}"
    hostport="${hostport%%/*}"
    local host="${hostport%%:*}" port="5432"
    [ "$hostport" != "$host" ] && port="${hostport##*:}"
    timeout 5 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
  fi
}

# Runs a command as the `postgres` user when we are root (initdb refuses root).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_start_private() {
  if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    step "installing Debian's postgresql (for a private test cluster)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  PG_PRIVATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/nango-test-pg.XXXXXX")"
  trap pg_stop_private EXIT
  trap 'exit 130' INT TERM
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_PRIVATE_DIR"; fi
  # cwd: the postgres user may not be able to read the checkout.
  (cd "$PG_PRIVATE_DIR" && as_postgres "$PG_BIN/initdb" -D "$PG_PRIVATE_DIR/data" -A trust -U postgres \
    -E UTF8 --no-sync >"$PG_PRIVATE_DIR/initdb.log" 2>&1) || {
    cat "$PG_PRIVATE_DIR/initdb.log"
    echo "initdb failed for the private test cluster" >&2
    return 1
  }
  # Postgres cannot bind port 0 and report it: try a few random free ports.
  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then continue; fi
    if (cd "$PG_PRIVATE_DIR" && as_postgres "$PG_BIN/pg_ctl" -D "$PG_PRIVATE_DIR/data" \
      -l "$PG_PRIVATE_DIR/server.log" -w -t 60 \
      -o "-p $port -k $PG_PRIVATE_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null); then
      export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
      echo "private Postgres cluster in $PG_PRIVATE_DIR on port $port"
      return 0
    fi
  done
  cat "$PG_PRIVATE_DIR/server.log" >&2 || true
  echo "could not start the private test cluster (see the log above)" >&2
  return 1
}

pg_stop_private() {
  local status=$?
  if [ -n "$PG_PRIVATE_DIR" ] && [ -d "$PG_PRIVATE_DIR/data" ]; then
    echo "stopping the private Postgres cluster in $PG_PRIVATE_DIR"
    (cd "$PG_PRIVATE_DIR" && as_postgres "$PG_BIN/pg_ctl" -D "$PG_PRIVATE_DIR/data" -m fast -w stop >/dev/null) ||
      echo "warning: pg_ctl stop failed for $PG_PRIVATE_DIR" >&2
  fi
  if [ -n "$PG_PRIVATE_DIR" ]; then rm -rf "$PG_PRIVATE_DIR"; fi
  PG_PRIVATE_DIR=""
  exit "$status"
}

# Sets and exports DATABASE_URL, or fails.
pg_ensure_server() {
  if [ -n "${DATABASE_URL:-}" ]; then
    if ! pg_answers "$DATABASE_URL"; then
      echo "DATABASE_URL=$DATABASE_URL does not answer: start that server, or unset DATABASE_URL" \
        "to use the local default or a private cluster" >&2
      return 1
    fi
    echo "Postgres: DATABASE_URL from the caller"
  elif pg_answers "$PG_DEFAULT_URL"; then
    export DATABASE_URL="$PG_DEFAULT_URL"
    echo "Postgres: the local server at $DATABASE_URL"
  else
    echo "Postgres: nothing answers at $PG_DEFAULT_URL; starting a private cluster"
    pg_start_private
  fi
}
