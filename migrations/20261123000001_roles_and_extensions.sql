-- The application role the server connects as. It is deliberately not a
-- superuser, not the owner of any table and not BYPASSRLS, so row-level
-- security applies to every query it makes (invariant 3). Migrations run as
-- the owner (the role that applies this file). Roles are cluster-wide, so
-- this is idempotent across databases of one cluster.
-- Two databases migrating at once (parallel tests) may both try to create
-- it, hence the exception handler.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clearview_app') THEN
        CREATE ROLE clearview_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

-- Trigram indexes answer "contains" searches without scanning.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO clearview_app;
