#!/usr/bin/env bash
# Starts Debian's PostgreSQL 15 on 127.0.0.1:5432 with a CREATEDB role for the test suite. CREATEROLE:
# the registry creates its least-privilege application role (src/store/roles.ts, docs/database.md).
set -euo pipefail
if ! pg_lsclusters -h | grep -q '^15 \+main'; then
  pg_createcluster 15 main >/dev/null
fi
# Restart rather than start: a server left running from before a package upgrade would load
# mismatched libraries.
pg_ctlcluster 15 main restart || pg_ctlcluster 15 main start
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 1
done
su postgres -c "psql -v ON_ERROR_STOP=1 -q" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sifreg') THEN
    CREATE ROLE sifreg LOGIN PASSWORD 'sifreg-ci' CREATEDB CREATEROLE;
  END IF;
  ALTER ROLE sifreg CREATEDB CREATEROLE;
END $$;
SELECT 'CREATE DATABASE sifreg OWNER sifreg' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'sifreg')\gexec
SQL
echo "PostgreSQL 15 ready on 127.0.0.1:5432"
