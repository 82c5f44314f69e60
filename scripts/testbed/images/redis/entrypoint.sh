#!/bin/sh
# Writes the server's config (with requirepass from REDIS_PASSWORD) and starts redis-server
# with the container's command as extra options (e.g. --appendonly yes).
set -eu
conf=$(mktemp /tmp/redis-XXXXXX.conf)
chmod 600 "$conf"
{
    echo "dir /data"
    echo "bind 0.0.0.0 -::*"
    echo "protected-mode no"
    if [ -n "${REDIS_PASSWORD:-}" ]; then echo "requirepass $REDIS_PASSWORD"; fi
} > "$conf"
exec redis-server "$conf" "$@"
