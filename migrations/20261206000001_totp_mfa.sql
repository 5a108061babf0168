-- TOTP multi-factor authentication (issue 11, ADR 0027).
--
-- A second factor belongs to the person, like the password: one per user,
-- whichever organizations they sign in to. Its seed is sealed at rest
-- (ChaCha20-Poly1305 with the server's key, bound to the user), so nothing
-- readable from the database can produce a code.
CREATE TABLE user_totp (
    user_id      uuid        NOT NULL,
    secret       jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- NULL until the first code proves the authenticator holds the seed;
    -- an unconfirmed seed never guards a sign-in.
    confirmed_at timestamptz,
    -- The last 30-second step a code was accepted for: a code is accepted
    -- only for a later step, so a code seen once cannot be used again.
    last_step    bigint,
    CONSTRAINT user_totp_pkey PRIMARY KEY (user_id),
    CONSTRAINT user_totp_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

-- Ten single-use codes for a lost authenticator; only their keyed digest
-- is stored.
CREATE TABLE user_recovery_codes (
    user_id   uuid        NOT NULL,
    code_hash bytea       NOT NULL,
    used_at   timestamptz,
    CONSTRAINT user_recovery_codes_pkey PRIMARY KEY (user_id, code_hash),
    CONSTRAINT user_recovery_codes_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

-- The step between a correct password and a session: a short-lived,
-- single-use challenge held in an HttpOnly cookie (only its digest here),
-- for one membership. Five wrong codes end it.
CREATE TABLE mfa_challenges (
    tenant_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    token_hash bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    attempts   integer     NOT NULL DEFAULT 0,
    used_at    timestamptz,
    CONSTRAINT mfa_challenges_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT mfa_challenges_token_key UNIQUE (tenant_id, token_hash),
    CONSTRAINT mfa_challenges_membership_fkey FOREIGN KEY (tenant_id, user_id)
        REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX mfa_challenges_expires_idx ON mfa_challenges (expires_at);

SELECT isolate_tenant_table('mfa_challenges'::regclass);

-- Who must have a second factor: nobody, admins, or every member.
ALTER TABLE organizations ADD COLUMN mfa_required text NOT NULL DEFAULT 'off',
    ADD CONSTRAINT organizations_mfa_required_check CHECK (mfa_required IN ('off', 'admins', 'everyone'));

GRANT SELECT, INSERT, UPDATE, DELETE ON user_totp, user_recovery_codes, mfa_challenges TO clearview_app;

-- The daily purge also takes MFA challenges a day past their end (as it does
-- for the other single-use tokens); the rest of it is unchanged.
CREATE OR REPLACE FUNCTION purge_expired()
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    result jsonb := '{}';
    n bigint;
BEGIN
    -- Single-use links: a day after they were used or expired.
    DELETE FROM password_resets WHERE coalesce(used_at, expires_at) < now() - interval '1 day';
    GET DIAGNOSTICS n = ROW_COUNT; result := result || jsonb_build_object('password_resets', n);
    DELETE FROM mfa_challenges WHERE coalesce(used_at, expires_at) < now() - interval '1 day';
    GET DIAGNOSTICS n = ROW_COUNT; result := result || jsonb_build_object('mfa_challenges', n);
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
