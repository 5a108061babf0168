-- A tamper-evident audit log (issue 12, ADR 0024): every entry carries the
-- hash of the previous entry of its organization, so editing or deleting
-- any entry breaks the chain where it happened.
--
-- What an entry's hash covers: its place in the chain (`seq`), id, action,
-- target, request id, details, time, and `actor_seal` = sha256(actor id ‖
-- entry id). The actor's copied name, the actor id and the IP address are
-- left out on purpose: a GDPR erasure blanks the name, and deleting the
-- person sets the actor id to NULL. Blanking them keeps the chain intact.
-- The seal still proves who acted while the id is there, and reveals
-- nothing once it is gone.

ALTER TABLE audit_log
    ADD COLUMN seq        bigint,
    ADD COLUMN actor_seal bytea,
    ADD COLUMN prev_hash  bytea,
    ADD COLUMN hash       bytea;

-- The newest entry of each organization. The trigger locks this row while
-- it appends, so concurrent entries of one organization queue up and the
-- chain cannot fork. A deleted newest entry is caught against `seq` here.
CREATE TABLE audit_chain_heads (
    tenant_id uuid   NOT NULL,
    seq       bigint NOT NULL,
    hash      bytea  NOT NULL,
    CONSTRAINT audit_chain_heads_pkey PRIMARY KEY (tenant_id),
    CONSTRAINT audit_chain_heads_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES organizations (tenant_id) ON DELETE CASCADE
);

-- The hash of the chain's start: 32 zero bytes.
CREATE FUNCTION audit_chain_genesis() RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$ SELECT decode(repeat('00', 32), 'hex') $$;

CREATE FUNCTION audit_actor_seal(p_actor uuid, p_id uuid) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_actor IS NULL THEN NULL
                ELSE sha256(convert_to(p_actor::text || ':' || p_id::text, 'UTF8')) END
$$;

-- Every field through quote_nullable, so NULL and '' and a separator inside
-- a value cannot be confused; the time as microseconds since the epoch, so
-- the session's time zone does not matter.
CREATE FUNCTION audit_entry_hash(
    p_prev bytea, p_seq bigint, p_id uuid, p_actor_seal bytea, p_action text, p_target_type text,
    p_target_id uuid, p_request_id text, p_details jsonb, p_created_at timestamptz
) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(p_prev || convert_to(concat_ws(',',
        quote_nullable(p_seq), quote_nullable(p_id), quote_nullable(encode(p_actor_seal, 'hex')),
        quote_nullable(p_action), quote_nullable(p_target_type), quote_nullable(p_target_id),
        quote_nullable(p_request_id), quote_nullable(p_details::text),
        quote_nullable((extract(epoch FROM p_created_at) * 1000000)::bigint)), 'UTF8'))
$$;

-- Links each new entry to its organization's chain, whoever inserts it (the
-- application, or the erasure functions for several organizations at once).
-- The tenant is set to the entry's own for the head's row-level security
-- and restored after.
CREATE FUNCTION audit_chain_append() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    tenant_before text := current_setting('app.tenant_id', true);
    head_seq bigint;
    head_hash bytea;
BEGIN
    PERFORM set_config('app.tenant_id', NEW.tenant_id::text, true);
    INSERT INTO audit_chain_heads (tenant_id, seq, hash)
    VALUES (NEW.tenant_id, 0, audit_chain_genesis())
    ON CONFLICT (tenant_id) DO NOTHING;
    SELECT seq, hash INTO head_seq, head_hash
    FROM audit_chain_heads WHERE tenant_id = NEW.tenant_id FOR UPDATE;
    NEW.seq := head_seq + 1;
    NEW.prev_hash := head_hash;
    NEW.actor_seal := audit_actor_seal(NEW.actor_id, NEW.id);
    NEW.hash := audit_entry_hash(NEW.prev_hash, NEW.seq, NEW.id, NEW.actor_seal, NEW.action, NEW.target_type,
                                 NEW.target_id, NEW.request_id, NEW.details, NEW.created_at);
    UPDATE audit_chain_heads SET seq = NEW.seq, hash = NEW.hash WHERE tenant_id = NEW.tenant_id;
    PERFORM set_config('app.tenant_id', coalesce(tenant_before, ''), true);
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION audit_chain_append() FROM PUBLIC;

-- The entries already there, chained in the order they were written.
-- Forced row-level security would hide them from an owner that is not a
-- superuser, so it is lifted inside this migration's transaction only.
ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
WITH ordered AS (
    SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY created_at, id) AS n
    FROM audit_log
)
UPDATE audit_log a SET seq = o.n, actor_seal = audit_actor_seal(a.actor_id, a.id)
FROM ordered o WHERE a.tenant_id = o.tenant_id AND a.id = o.id;
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
                                    entry.target_id, entry.request_id, entry.details, entry.created_at)
        WHERE tenant_id = entry.tenant_id AND id = entry.id
        RETURNING hash INTO prev;
    END LOOP;
END
$$;
INSERT INTO audit_chain_heads (tenant_id, seq, hash)
SELECT DISTINCT ON (tenant_id) tenant_id, seq, hash FROM audit_log ORDER BY tenant_id, seq DESC;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;

ALTER TABLE audit_log
    ALTER COLUMN seq SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT audit_log_seq_key UNIQUE (tenant_id, seq);

CREATE TRIGGER audit_chain_append BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_chain_append();

SELECT isolate_tenant_table('audit_chain_heads');
-- The application reads heads (to verify) but never writes them: only the
-- trigger, as the owner, does.
GRANT SELECT ON audit_chain_heads TO clearview_app;

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
    FOR entry IN SELECT * FROM audit_log WHERE tenant_id = p_tenant ORDER BY seq LOOP
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
                                          entry.target_type, entry.target_id, entry.request_id,
                                          entry.details, entry.created_at) THEN
            RETURN QUERY SELECT false, expected_seq - 1, entry.seq, entry.id,
                'its content was changed after it was written'::text;
            RETURN;
        END IF;
        IF entry.actor_id IS NOT NULL AND entry.actor_seal IS DISTINCT FROM audit_actor_seal(entry.actor_id, entry.id) THEN
            RETURN QUERY SELECT false, expected_seq - 1, entry.seq, entry.id,
                'its actor was changed after it was written'::text;
            RETURN;
        END IF;
        prev := entry.hash;
        expected_seq := expected_seq + 1;
    END LOOP;
    SELECT h.seq, h.hash INTO head FROM audit_chain_heads h WHERE h.tenant_id = p_tenant;
    IF head.seq IS NOT NULL AND (head.seq <> expected_seq - 1 OR head.hash <> prev) THEN
        RETURN QUERY SELECT false, expected_seq - 1, expected_seq, NULL::uuid,
            format('the chain ends at entry %s but was last extended to entry %s: the newest entries were deleted or replaced',
                   expected_seq - 1, head.seq);
        RETURN;
    END IF;
    RETURN QUERY SELECT true, expected_seq - 1, NULL::bigint, NULL::uuid, NULL::text;
END
$$;
