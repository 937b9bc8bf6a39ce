#!/bin/sh
# Bring the schema up to date, then hand the process over to the command (gunicorn).
# With several app servers one migration runs before any of them starts (the "migrate"
# service of docker-compose.yml, as the schema owner): they set MIGRATE_AT_START=0.
set -eu
if [ "${MIGRATE_AT_START:-1}" != "0" ]; then
    iisg db upgrade
fi
exec "$@"
