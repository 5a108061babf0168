-- Sign-up with proof of the e-mail address (account pre-hijacking, ADR 0015).
--
-- Registering no longer creates an identity. It creates the organization
-- (with its default pipeline, and no member yet, so nobody can reach it) and
-- one pending sign-up holding the chosen name and password hash; the
-- verification e-mail goes through that organization's outbox. Following
-- the link (and giving the same password) creates the identity and the
-- admin membership. An identity therefore exists only once somebody proved
-- control of its address: by this link, by an invitation link, or (for
-- identities that predate this migration) never — see ADR 0015.
CREATE TABLE signups (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    email         text        NOT NULL,
    name          text        NOT NULL,
    password_hash text        NOT NULL,
    token_hash    bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    CONSTRAINT signups_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT signups_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT signups_token_key UNIQUE (tenant_id, token_hash)
);
CREATE INDEX signups_expires_idx ON signups (expires_at);

SELECT isolate_tenant_table('signups'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON signups TO clearview_app;

-- Organizations whose sign-up expired unverified (and that never gained a
-- member) are removed; called on every sign-up, so none lingers long.
-- Crosses tenants, hence SECURITY DEFINER; it removes nothing a member can
-- reach.
CREATE FUNCTION delete_expired_signups()
RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH expired AS (
        DELETE FROM organizations o
        WHERE o.tenant_id IN (SELECT s.tenant_id FROM signups s WHERE s.expires_at < now())
          AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = o.tenant_id)
        RETURNING 1
    )
    SELECT count(*)::integer FROM expired
$$;
REVOKE ALL ON FUNCTION delete_expired_signups() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION delete_expired_signups() TO clearview_app;
