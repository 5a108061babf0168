-- Sessions that ended by being deleted (a member removed or erased, an
-- organization deleted: their rows go by cascade) are remembered here for a
-- day, so that refilling the Redis denylist after Redis lost its data still
-- refuses their access tokens (issue 9, class 3). Ids and times only: no
-- tenant, no person. Access tokens live at most 15 minutes; a day is ample.
CREATE TABLE ended_sessions (
    session_id uuid        NOT NULL,
    ended_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ended_sessions_pkey PRIMARY KEY (session_id)
);
CREATE INDEX ended_sessions_ended_idx ON ended_sessions (ended_at);
GRANT SELECT, INSERT, DELETE ON ended_sessions TO clearview_app;

CREATE OR REPLACE FUNCTION recently_revoked_sessions(p_since timestamptz)
RETURNS TABLE (session_id uuid, revoked_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id, revoked_at FROM sessions WHERE revoked_at >= p_since
    UNION ALL
    SELECT session_id, ended_at FROM ended_sessions WHERE ended_at >= p_since
$$;
