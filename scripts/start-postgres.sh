#!/usr/bin/env bash
# Start the local PostgreSQL cluster and make sure the test role exists; prints the URL tests use.
set -euo pipefail
version=$(ls /etc/postgresql | sort -n | tail -1)
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q" && break
  sleep 1
done
su postgres -c "psql -qtA -c \"select 1 from pg_roles where rolname='parking'\"" | grep -q 1 ||
  su postgres -c "psql -q -c \"create role parking login superuser password 'parking'\""
su postgres -c "psql -qtA -c \"select 1 from pg_database where datname='parking'\"" | grep -q 1 ||
  su postgres -c "psql -q -c \"create database parking owner parking\""
echo "postgresql://parking:parking@localhost:5432/parking"
