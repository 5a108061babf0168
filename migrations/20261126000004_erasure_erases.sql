-- Erasure that really erases (issue 9, class 5; ADR 0011 addendum).

-- E-mail jobs are sealed (ADR 0012 addendum), so erasure finds the jobs
-- addressed to a person by a digest of the lower-cased address; a delivered
-- job drops it with its payload.
ALTER TABLE jobs ADD COLUMN recipient_digest bytea;
CREATE INDEX jobs_recipient_idx ON jobs (recipient_digest) WHERE recipient_digest IS NOT NULL;

-- Erasing a person also removes, in every organization: the e-mails queued
-- or dead for their address, the invitations to their address, and pending
-- sign-ups with it. A person who is the only member of an organization is
-- refused (CV412): erasing them would leave its data with nobody able to
-- reach it; they delete the organization first (or invite someone).
CREATE OR REPLACE FUNCTION erase_identity(p_user uuid, p_tenants uuid[], p_entry_ids uuid[], p_ip inet, p_request_id text)
RETURNS TABLE (session_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_blocked uuid;
    v_email text;
BEGIN
    PERFORM 1 FROM memberships m
    WHERE m.tenant_id IN (SELECT x.tenant_id FROM memberships x WHERE x.user_id = p_user)
    ORDER BY m.tenant_id, m.user_id
    FOR UPDATE;

    SELECT m.tenant_id INTO v_blocked
    FROM memberships m
    WHERE m.user_id = p_user AND m.role = 'admin'
      AND NOT EXISTS (SELECT 1 FROM memberships o
                      WHERE o.tenant_id = m.tenant_id AND o.user_id <> p_user AND o.role = 'admin')
      AND EXISTS (SELECT 1 FROM memberships o WHERE o.tenant_id = m.tenant_id AND o.user_id <> p_user)
    LIMIT 1;
    IF v_blocked IS NOT NULL THEN
        RAISE EXCEPTION 'last admin of an organization that has other members'
            USING ERRCODE = 'CV409', DETAIL = v_blocked::text;
    END IF;

    SELECT m.tenant_id INTO v_blocked
    FROM memberships m
    WHERE m.user_id = p_user
      AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.tenant_id = m.tenant_id AND o.user_id <> p_user)
    LIMIT 1;
    IF v_blocked IS NOT NULL THEN
        RAISE EXCEPTION 'the only member of an organization'
            USING ERRCODE = 'CV412', DETAIL = v_blocked::text;
    END IF;

    SELECT lower(u.email) INTO v_email FROM users u WHERE u.id = p_user;

    INSERT INTO audit_log (tenant_id, id, actor_id, actor_name, action, target_type, target_id, ip, request_id)
    SELECT e.tenant_id, e.id, NULL, NULL, 'user.erased', 'user', p_user, p_ip, p_request_id
    FROM unnest(p_tenants, p_entry_ids) AS e (tenant_id, id)
    JOIN memberships m ON m.tenant_id = e.tenant_id AND m.user_id = p_user;

    UPDATE audit_log SET actor_name = NULL WHERE actor_id = p_user AND actor_name IS NOT NULL;

    DELETE FROM jobs WHERE recipient_digest = sha256(convert_to(v_email, 'UTF8'));
    DELETE FROM invitations WHERE lower(email) = v_email;
    DELETE FROM signups WHERE lower(email) = v_email;

    RETURN QUERY
        SELECT s.id FROM sessions s
        WHERE s.user_id = p_user AND s.revoked_at IS NULL AND s.expires_at > now();

    DELETE FROM memberships WHERE user_id = p_user;
    DELETE FROM users WHERE id = p_user;
END
$$;

-- The members of an organization who belong to no other: deleting the
-- organization erases their identities too (nothing else could reach them).
CREATE FUNCTION sole_members(p_tenant uuid)
RETURNS TABLE (user_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT m.user_id FROM memberships m
    WHERE m.tenant_id = p_tenant
      AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.user_id = m.user_id AND o.tenant_id <> p_tenant)
$$;
REVOKE ALL ON FUNCTION sole_members(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sole_members(uuid) TO clearview_app;
