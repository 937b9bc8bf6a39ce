#!/bin/sh
# Run once by the postgres image, when its data directory is first created: the role
# that owns the schema (migrations run as it) and the role the app servers connect as,
# which owns nothing, so that row-level security binds it (README, "Roles and
# visibility"). Neither is a superuser. `iisg db upgrade` grants the app role its data
# privileges. Later changes of the passwords: ALTER ROLE ... PASSWORD, by hand.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="$DB_OWNER_PASSWORD" -v app_password="$DB_APP_PASSWORD" <<'SQL'
CREATE ROLE iisg_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE iisg_app LOGIN PASSWORD :'app_password';
CREATE DATABASE iisg OWNER iisg_owner;
REVOKE ALL ON DATABASE iisg FROM PUBLIC;
GRANT CONNECT ON DATABASE iisg TO iisg_app;
SQL
