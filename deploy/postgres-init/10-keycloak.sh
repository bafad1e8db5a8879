#!/bin/sh
# Keycloak keeps its data in the same PostgreSQL server, in a database and role of its own.
# Runs once, when the postgres volume is first initialised (docker-entrypoint-initdb.d).
set -eu
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -v pw="$KEYCLOAK_DB_PASSWORD" <<'SQL'
CREATE ROLE keycloak LOGIN PASSWORD :'pw';
CREATE DATABASE keycloak OWNER keycloak;
SQL
