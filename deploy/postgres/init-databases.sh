#!/usr/bin/env bash
# Runs once, when the postgres volume is empty (docker-entrypoint-initdb.d): one role and one
# database each for the warehouse, Airflow's metadata and MLflow's backend store. They are
# separate because Airflow's and MLflow's Alembic version tables would clash in one database.
# Passwords come from the environment (.env), never from this file.
set -euo pipefail

create() {
  local name=$1 password=$2
  if [ -z "$password" ]; then
    echo "init-databases: the password for role $name is empty; set it in .env" >&2
    exit 1
  fi
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v name="$name" -v password="$password" <<'SQL'
select format('create role %I login password %L', :'name', :'password')
 where not exists (select 1 from pg_roles where rolname = :'name') \gexec
select format('create database %I owner %I', :'name', :'name')
 where not exists (select 1 from pg_database where datname = :'name') \gexec
SQL
  echo "init-databases: database $name ready"
}

create finrisk "${FINRISK_DB_PASSWORD:-}"
create airflow "${AIRFLOW_DB_PASSWORD:-}"
create mlflow "${MLFLOW_DB_PASSWORD:-}"
