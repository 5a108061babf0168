-- The transactional outbox (invariant 5), invitations and password resets.

-- A side effect (an e-mail) is a job row inserted in the same transaction
-- as the change that causes it. Workers claim due jobs with SKIP LOCKED and
-- a lease; a job whose worker died is claimed again once its lease ends.
-- The table stays local on Citus (it is small and short-lived).
CREATE TABLE jobs (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    kind         text        NOT NULL,
    payload      jsonb       NOT NULL DEFAULT '{}',
    state        text        NOT NULL DEFAULT 'queued',
    attempts     integer     NOT NULL DEFAULT 0,
    max_attempts integer     NOT NULL,
    run_at       timestamptz NOT NULL DEFAULT now(),
    locked_by    text,
    locked_until timestamptz,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    CONSTRAINT jobs_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT jobs_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT jobs_state_check CHECK (state IN ('queued', 'running', 'done', 'dead')),
    CONSTRAINT jobs_attempts_check CHECK (max_attempts BETWEEN 1 AND 25)
);
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_state_idx ON jobs (tenant_id, state, created_at, id);

-- Workers claim across tenants, so claiming is the one narrow door that
-- does: it returns the claimed rows, each carrying its tenant, and the
-- worker runs every job inside that tenant's context.
CREATE FUNCTION claim_jobs(p_worker text, p_limit integer, p_lease_seconds integer)
RETURNS SETOF jobs
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE jobs j
    SET state = 'running', attempts = j.attempts + 1, locked_by = p_worker,
        locked_until = now() + make_interval(secs => p_lease_seconds), updated_at = now()
    FROM (
        SELECT tenant_id, id FROM jobs
        WHERE (state = 'queued' AND run_at <= now()) OR (state = 'running' AND locked_until < now())
        ORDER BY run_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ) due
    WHERE j.tenant_id = due.tenant_id AND j.id = due.id
    RETURNING j.*
$$;
REVOKE ALL ON FUNCTION claim_jobs(text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_jobs(text, integer, integer) TO clearview_app;

CREATE TABLE invitations (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    email       text        NOT NULL,
    role        text        NOT NULL,
    token_hash  bytea       NOT NULL,
    invited_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    revoked_at  timestamptz,
    CONSTRAINT invitations_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT invitations_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT invitations_inviter_fkey FOREIGN KEY (tenant_id, invited_by)
        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (invited_by),
    CONSTRAINT invitations_token_key UNIQUE (tenant_id, token_hash),
    CONSTRAINT invitations_role_check CHECK (role IN ('admin', 'manager', 'rep', 'viewer'))
);
-- One open invitation per address: inviting again while one is pending
-- sends nothing new.
CREATE UNIQUE INDEX invitations_pending_key ON invitations (tenant_id, lower(email))
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Password resets belong to a global identity, like the password itself.
CREATE TABLE password_resets (
    id         uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    token_hash bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT password_resets_pkey PRIMARY KEY (id),
    CONSTRAINT password_resets_token_key UNIQUE (token_hash),
    CONSTRAINT password_resets_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

-- A password reset ends every session of the identity, in every tenant.
-- Returns the revoked session ids so the fast denylist can learn them.
CREATE FUNCTION revoke_identity_sessions(p_user uuid)
RETURNS TABLE (session_id uuid)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE sessions SET revoked_at = now()
    WHERE user_id = p_user AND revoked_at IS NULL
    RETURNING id
$$;
REVOKE ALL ON FUNCTION revoke_identity_sessions(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION revoke_identity_sessions(uuid) TO clearview_app;

SELECT isolate_tenant_table(t) FROM unnest(ARRAY['jobs', 'invitations']::regclass[]) AS t;

GRANT SELECT, INSERT, UPDATE, DELETE ON jobs, invitations, password_resets TO clearview_app;
