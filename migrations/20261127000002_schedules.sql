-- Scheduled work (issue 10 §1): periodic tasks run by whichever worker
-- claims the schedule first. Claiming moves `next_run_at` forward in the
-- same UPDATE that checks it is due, so across any number of workers each
-- period runs at most once. A global table: schedules belong to the
-- deployment, not to a tenant.
CREATE TABLE schedules (
    name             text        NOT NULL,
    every_seconds    integer     NOT NULL,
    next_run_at      timestamptz NOT NULL DEFAULT now(),
    runs             bigint      NOT NULL DEFAULT 0,
    last_started_at  timestamptz,
    last_finished_at timestamptz,
    last_worker      text,
    last_error       text,
    last_result      jsonb,
    CONSTRAINT schedules_pkey PRIMARY KEY (name),
    CONSTRAINT schedules_every_check CHECK (every_seconds > 0)
);
GRANT SELECT, INSERT, UPDATE ON schedules TO clearview_worker;

-- The daily purge: what has expired and no one can use any more, across
-- tenants. Returns how many rows of each kind went, for the schedule's
-- record and the log.
CREATE FUNCTION purge_expired()
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    result jsonb := '{}';
    n bigint;
BEGIN
    -- Single-use links: a day after they were used or expired.
    DELETE FROM password_resets WHERE coalesce(used_at, expires_at) < now() - interval '1 day';
    GET DIAGNOSTICS n = ROW_COUNT; result := result || jsonb_build_object('password_resets', n);
    -- Invitations: a month after they were accepted, revoked or expired
    -- (admins see recent ones in the team screen).
    DELETE FROM invitations
    WHERE coalesce(accepted_at, revoked_at, expires_at) < now() - interval '30 days'
      AND (accepted_at IS NOT NULL OR revoked_at IS NOT NULL OR expires_at < now());
    GET DIAGNOSTICS n = ROW_COUNT; result := result || jsonb_build_object('invitations', n);
    -- Sessions a day past their end (their refresh tokens go by cascade).
    DELETE FROM sessions WHERE expires_at < now() - interval '1 day'
        OR revoked_at < now() - interval '1 day';
    GET DIAGNOSTICS n = ROW_COUNT; result := result || jsonb_build_object('sessions', n);
    DELETE FROM ended_sessions WHERE ended_at < now() - interval '1 day';
    GET DIAGNOSTICS n = ROW_COUNT; result := result || jsonb_build_object('ended_sessions', n);
    -- Unconfirmed sign-ups: their empty organizations, then any link left.
    result := result || jsonb_build_object('unconfirmed_organizations', delete_expired_signups());
    DELETE FROM signups WHERE expires_at < now();
    GET DIAGNOSTICS n = ROW_COUNT; result := result || jsonb_build_object('signups', n);
    -- Uploaded files: an import that finished keeps none; one left
    -- unprocessed for a week (its job died) fails and gives its file up.
    UPDATE imports SET status = 'failed', error = 'the file was not processed within 7 days', finished_at = now()
    WHERE status = 'uploaded' AND created_at < now() - interval '7 days';
    DELETE FROM import_chunks c USING imports i
    WHERE i.tenant_id = c.tenant_id AND i.id = c.import_id AND i.status IN ('done', 'failed', 'undone');
    GET DIAGNOSTICS n = ROW_COUNT; result := result || jsonb_build_object('import_chunks', n);
    -- Finished jobs (their payloads are already empty) after a week; dead
    -- ones stay for the admins to replay.
    DELETE FROM jobs WHERE state = 'done' AND finished_at < now() - interval '7 days';
    GET DIAGNOSTICS n = ROW_COUNT; result := result || jsonb_build_object('done_jobs', n);
    RETURN result;
END
$$;
REVOKE ALL ON FUNCTION purge_expired() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_expired() TO clearview_worker;

-- The purge finds finished jobs without reading the live queue.
CREATE INDEX jobs_done_idx ON jobs (finished_at) WHERE state = 'done';
