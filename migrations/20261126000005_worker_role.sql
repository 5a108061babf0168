-- The outbox worker gets its own role (issue 9, class 6). Claiming jobs is
-- the one operation that crosses tenants and returns another tenant's job,
-- so only the worker may call `claim_jobs`; the request-serving role may
-- not. `clearview_worker` is a member of `clearview_app` (it runs imports
-- and completes jobs under row-level security like any request) plus that
-- one function. Which role may call which SECURITY DEFINER function is
-- listed in docs/security.md.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clearview_worker') THEN
        CREATE ROLE clearview_worker LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
-- Role membership is cluster-wide too; granting twice is a notice, but two
-- databases migrating at once may race on the catalog row.
DO $$
BEGIN
    GRANT clearview_app TO clearview_worker;
EXCEPTION WHEN unique_violation OR duplicate_object THEN
    NULL;
END
$$;

REVOKE ALL ON FUNCTION claim_jobs(text, integer, integer, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION claim_jobs(text, integer, integer, text[]) FROM clearview_app;
GRANT EXECUTE ON FUNCTION claim_jobs(text, integer, integer, text[]) TO clearview_worker;
