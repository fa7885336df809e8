#!/usr/bin/env bash
# Start (or reuse) a throwaway PostgreSQL 15 cluster for the tests and print its URL.
# initdb refuses to run as root, so the cluster belongs to the `postgres` user.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
ROOT=${PG_TEST_ROOT:-/tmp/ghl-desktop-pg}
PGDATA=$ROOT/data
PGPORT=${PG_TEST_PORT:-54329}
if [ ! -x "$PGBIN/initdb" ]; then
    echo "PostgreSQL binaries not found in $PGBIN" >&2
    exit 1
fi
mkdir -p "$ROOT"
chmod 755 "$ROOT"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$ROOT"; RUN=(runuser -u postgres --); else RUN=(); fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    "${RUN[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! "${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    "${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$ROOT/server.log" -w -t 30 \
        -o "-p $PGPORT -c listen_addresses=127.0.0.1 -k $PGDATA -c fsync=off -c max_connections=200" start >/dev/null
fi
echo "postgresql://postgres@127.0.0.1:$PGPORT/postgres"
