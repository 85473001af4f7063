-- Run once by the superuser on an empty data directory (docker-compose's db service): the extensions Hromada
-- needs (never created by a migration) and its two roles. `hromada` owns the database and, through the
-- migrations, every table; `hromada_app` (web, worker, beat) owns nothing and gets its grants from migration 0020.
\getenv owner_password HROMADA_DB_OWNER_PASSWORD
\getenv app_password HROMADA_DB_APP_PASSWORD
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE ROLE hromada LOGIN PASSWORD :'owner_password';
CREATE ROLE hromada_app LOGIN PASSWORD :'app_password';
ALTER DATABASE hromada OWNER TO hromada;
REVOKE ALL ON DATABASE hromada FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hromada TO hromada_app;
