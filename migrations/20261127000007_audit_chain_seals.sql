-- The audit chain (ADR 0024), hardened after review:
--
-- * The actor's seal is keyed with a random salt per person, deleted with
--   the person. Unkeyed, anyone holding the erased person's id could hash
--   it with each entry id and find every entry they made, and the
--   `user.erased` entries name that id. Once the person is deleted, the
--   salt is gone and nothing links the seals to them.
-- * The copied name gets a seal too. A name changed to another person's is
--   caught; a name blanked by an erasure is allowed.
-- * The IP address is now hashed with the rest: no legitimate change ever
--   touches it.
-- * The time is the database's own: the trigger sets `created_at := now()`,
--   so an entry cannot be backdated.
-- * A chain with entries but no recorded head is reported as broken.
--
-- Existing entries are sealed and chained again under these rules.

ALTER TABLE users ADD COLUMN audit_salt bytea NOT NULL DEFAULT uuid_send(gen_random_uuid());
ALTER TABLE audit_log ADD COLUMN actor_name_seal bytea;

DROP FUNCTION audit_actor_seal(uuid, uuid);
CREATE FUNCTION audit_actor_seal(p_salt bytea, p_actor uuid, p_id uuid) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_actor IS NULL OR p_salt IS NULL THEN NULL
                ELSE sha256(p_salt || uuid_send(p_actor) || uuid_send(p_id)) END
$$;

CREATE FUNCTION audit_name_seal(p_salt bytea, p_name text, p_id uuid) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_name IS NULL OR p_salt IS NULL THEN NULL
                ELSE sha256(p_salt || uuid_send(p_id) || convert_to(p_name, 'UTF8')) END
$$;

DROP FUNCTION verify_audit_chain(uuid);
DROP FUNCTION audit_entry_hash(bytea, bigint, uuid, bytea, text, text, uuid, text, jsonb, timestamptz);
CREATE FUNCTION audit_entry_hash(
    p_prev bytea, p_seq bigint, p_id uuid, p_actor_seal bytea, p_action text, p_target_type text,
    p_target_id uuid, p_ip inet, p_request_id text, p_details jsonb, p_created_at timestamptz
) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(p_prev || convert_to(concat_ws(',',
        quote_nullable(p_seq), quote_nullable(p_id), quote_nullable(encode(p_actor_seal, 'hex')),
        quote_nullable(p_action), quote_nullable(p_target_type), quote_nullable(p_target_id),
        quote_nullable(host(p_ip)), quote_nullable(p_request_id), quote_nullable(p_details::text),
        quote_nullable((extract(epoch FROM p_created_at) * 1000000)::bigint)), 'UTF8'))
$$;

CREATE OR REPLACE FUNCTION audit_chain_append() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    tenant_before text := current_setting('app.tenant_id', true);
    head_seq bigint;
    head_hash bytea;
    salt bytea;
BEGIN
    PERFORM set_config('app.tenant_id', NEW.tenant_id::text, true);
    INSERT INTO audit_chain_heads (tenant_id, seq, hash)
    VALUES (NEW.tenant_id, 0, audit_chain_genesis())
    ON CONFLICT (tenant_id) DO NOTHING;
    SELECT seq, hash INTO head_seq, head_hash
    FROM audit_chain_heads WHERE tenant_id = NEW.tenant_id FOR UPDATE;
    SELECT u.audit_salt INTO salt FROM users u WHERE u.id = NEW.actor_id;
    NEW.created_at := now();
    NEW.seq := head_seq + 1;
    NEW.prev_hash := head_hash;
    NEW.actor_seal := audit_actor_seal(salt, NEW.actor_id, NEW.id);
    NEW.actor_name_seal := audit_name_seal(salt, NEW.actor_name, NEW.id);
    NEW.hash := audit_entry_hash(NEW.prev_hash, NEW.seq, NEW.id, NEW.actor_seal, NEW.action, NEW.target_type,
                                 NEW.target_id, NEW.ip, NEW.request_id, NEW.details, NEW.created_at);
    UPDATE audit_chain_heads SET seq = NEW.seq, hash = NEW.hash WHERE tenant_id = NEW.tenant_id;
    PERFORM set_config('app.tenant_id', coalesce(tenant_before, ''), true);
    RETURN NEW;
END
$$;

-- Seal and chain what is there again, in the same order as before.
ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_heads NO FORCE ROW LEVEL SECURITY;
UPDATE audit_log a
SET actor_seal = audit_actor_seal(u.audit_salt, a.actor_id, a.id),
    actor_name_seal = audit_name_seal(u.audit_salt, a.actor_name, a.id)
FROM users u WHERE u.id = a.actor_id;
UPDATE audit_log SET actor_seal = NULL, actor_name_seal = NULL WHERE actor_id IS NULL;
DO $$
DECLARE
    entry record;
    prev bytea;
    last_tenant uuid;
BEGIN
    FOR entry IN SELECT * FROM audit_log ORDER BY tenant_id, seq LOOP
        IF last_tenant IS DISTINCT FROM entry.tenant_id THEN
            prev := audit_chain_genesis();
            last_tenant := entry.tenant_id;
        END IF;
        UPDATE audit_log SET prev_hash = prev,
            hash = audit_entry_hash(prev, entry.seq, entry.id, entry.actor_seal, entry.action, entry.target_type,
                                    entry.target_id, entry.ip, entry.request_id, entry.details, entry.created_at)
        WHERE tenant_id = entry.tenant_id AND id = entry.id
        RETURNING hash INTO prev;
    END LOOP;
END
$$;
UPDATE audit_chain_heads h SET hash = a.hash
FROM audit_log a WHERE a.tenant_id = h.tenant_id AND a.seq = h.seq;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_heads FORCE ROW LEVEL SECURITY;

-- Walks one organization's chain from its start and returns the first
-- break, or one row with ok = true. Runs as the caller, under row-level
-- security: the application can verify only the tenant it is bound to.
CREATE FUNCTION verify_audit_chain(p_tenant uuid)
RETURNS TABLE (ok boolean, checked bigint, broken_seq bigint, broken_id uuid, problem text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    entry record;
    expected_seq bigint := 1;
    prev bytea := audit_chain_genesis();
    head record;
BEGIN
    FOR entry IN
        SELECT a.*, u.audit_salt FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
        WHERE a.tenant_id = p_tenant ORDER BY a.seq
    LOOP
        IF entry.seq <> expected_seq THEN
            RETURN QUERY SELECT false, expected_seq - 1, expected_seq, NULL::uuid,
                format('entry %s is missing: deleted', expected_seq);
            RETURN;
        END IF;
        IF entry.prev_hash <> prev THEN
            RETURN QUERY SELECT false, expected_seq - 1, entry.seq, entry.id,
                'its link to the entry before it was changed'::text;
            RETURN;
        END IF;
        IF entry.hash <> audit_entry_hash(prev, entry.seq, entry.id, entry.actor_seal, entry.action,
                                          entry.target_type, entry.target_id, entry.ip, entry.request_id,
                                          entry.details, entry.created_at) THEN
            RETURN QUERY SELECT false, expected_seq - 1, entry.seq, entry.id,
                'its content was changed after it was written'::text;
            RETURN;
        END IF;
        -- While the person exists, the entry must still name them (an
        -- erasure deletes the person, so the id then reads NULL).
        IF entry.actor_id IS NOT NULL
           AND entry.actor_seal IS DISTINCT FROM audit_actor_seal(entry.audit_salt, entry.actor_id, entry.id) THEN
            RETURN QUERY SELECT false, expected_seq - 1, entry.seq, entry.id,
                'its actor was changed after it was written'::text;
            RETURN;
        END IF;
        -- A blanked name is an erasure; another name is a forgery.
        IF entry.actor_id IS NOT NULL AND entry.actor_name IS NOT NULL
           AND entry.actor_name_seal IS DISTINCT FROM audit_name_seal(entry.audit_salt, entry.actor_name, entry.id) THEN
            RETURN QUERY SELECT false, expected_seq - 1, entry.seq, entry.id,
                'its actor''s name was changed after it was written'::text;
            RETURN;
        END IF;
        prev := entry.hash;
        expected_seq := expected_seq + 1;
    END LOOP;
    SELECT h.seq, h.hash INTO head FROM audit_chain_heads h WHERE h.tenant_id = p_tenant;
    IF head.seq IS NULL AND expected_seq > 1 THEN
        RETURN QUERY SELECT false, expected_seq - 1, expected_seq - 1, NULL::uuid,
            'the chain has entries but no recorded end: its head was deleted'::text;
        RETURN;
    END IF;
    IF head.seq IS NOT NULL AND (head.seq <> expected_seq - 1 OR head.hash <> prev) THEN
        RETURN QUERY SELECT false, expected_seq - 1, expected_seq, NULL::uuid,
            format('the chain ends at entry %s but was last extended to entry %s: the newest entries were deleted or replaced',
                   expected_seq - 1, head.seq);
        RETURN;
    END IF;
    RETURN QUERY SELECT true, expected_seq - 1, NULL::bigint, NULL::uuid, NULL::text;
END
$$;
