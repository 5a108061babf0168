-- Workers claim per lane, a set of job kinds with its own concurrency, so
-- that a long import never holds e-mails back (issue 9, class 2). A worker
-- claims no more jobs of a lane than it starts at once, so a claimed job is
-- a started one: it never sits out its lease behind another and is never
-- charged an attempt it did not get.
DROP FUNCTION claim_jobs(text, integer, integer);
CREATE FUNCTION claim_jobs(p_worker text, p_limit integer, p_lease_seconds integer, p_kinds text[])
RETURNS SETOF jobs
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE jobs j
    SET state = 'running', attempts = j.attempts + 1, locked_by = p_worker,
        locked_until = now() + make_interval(secs => p_lease_seconds), updated_at = now()
    FROM (
        SELECT tenant_id, id FROM jobs
        WHERE kind = ANY (p_kinds)
          AND ((state = 'queued' AND run_at <= now()) OR (state = 'running' AND locked_until < now()))
        ORDER BY run_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ) due
    WHERE j.tenant_id = due.tenant_id AND j.id = due.id
    RETURNING j.*
$$;
REVOKE ALL ON FUNCTION claim_jobs(text, integer, integer, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_jobs(text, integer, integer, text[]) TO clearview_app;
