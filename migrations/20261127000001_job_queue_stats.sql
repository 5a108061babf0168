-- Queue depth for /metrics (issue 10 §3): counts and the oldest job's age
-- per kind and state, across tenants but with no tenant's data — only
-- aggregates leave the function. `done` jobs are not counted (they are the
-- bulk of the table and no alert needs them).
CREATE FUNCTION job_queue_stats()
RETURNS TABLE (kind text, state text, jobs bigint, oldest_seconds double precision)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT kind, state, count(*), extract(epoch FROM now() - min(created_at))::double precision
    FROM jobs
    WHERE state <> 'done'
    GROUP BY kind, state
$$;
REVOKE ALL ON FUNCTION job_queue_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION job_queue_stats() TO clearview_app;
