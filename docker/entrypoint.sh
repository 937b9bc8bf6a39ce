#!/bin/sh
# Bring the schema up to date, then hand the process over to the command (gunicorn).
set -eu
iisg db upgrade
exec "$@"
