#!/bin/sh
# Starts PostgreSQL 15; on an empty data folder, initialises it the way the official image does
# (POSTGRES_USER is the superuser and owns POSTGRES_DB), but with no trust or peer lines at
# all: every connection, local socket included, needs the password. The password reaches
# initdb through a file and psql through PGPASSWORD, never a command line.
set -eu
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth=scram-sha-256 -E UTF8 --no-locale >/dev/null
    rm -f "$pwfile"
    cat > "$PGDATA/pg_hba.conf" <<HBA
# lifeboat testbed: password authentication for everything, local sockets included
local all all              scram-sha-256
host  all all 0.0.0.0/0    scram-sha-256
host  all all ::/0         scram-sha-256
HBA
    pg_ctl -D "$PGDATA" -o "-c listen_addresses= -c jit=off" -w start >/dev/null
    if [ "$db" != postgres ]; then
        PGPASSWORD=$POSTGRES_PASSWORD psql -X -q -v ON_ERROR_STOP=1 -U "$user" -d postgres \
            -c "CREATE DATABASE \"$db\" OWNER \"$user\""
    fi
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c jit=off "$@"
