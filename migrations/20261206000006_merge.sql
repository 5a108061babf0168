-- Duplicates and merge (issue 12, ADR 0032).
--
-- A merge keeps one record (the winner) and sends the other (the loser) to
-- the trash (ADR 0031) after handing its links to the winner: a contact's
-- deals and activities, a company's contacts, deals and activities. The
-- winner takes the field values chosen from the loser. Everything happens
-- in one transaction; a dry run is the same transaction rolled back.
-- The loser's trash entry remembers the merge, so restoring it (within
-- the 30 days) undoes the merge: `undo_merge` below, called by
-- `restore_record` (migration 20261206000005).

-- Finding a contact by its phone number without spaces, brackets, dots,
-- dashes, slashes and plus signs. `translate`, not a regular expression:
-- every contact written (a million-row import too) computes it.
CREATE INDEX contacts_phone_digits_idx ON contacts (tenant_id, translate(phone, ' ()+-./', ''))
    WHERE phone IS NOT NULL;

-- Sets some columns of one row from a JSON object of column values.
CREATE FUNCTION set_record_fields(p_tenant uuid, p_table text, p_id uuid, p_values jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    columns text;
BEGIN
    SELECT string_agg(quote_ident(k), ', ') INTO columns FROM jsonb_object_keys(p_values) AS k;
    IF columns IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format(
        'UPDATE %I SET updated_at = now(), (%s) = (SELECT %s FROM jsonb_populate_record(NULL::%I, $3)) '
        'WHERE tenant_id = $1 AND id = $2', p_table, columns, columns, p_table)
        USING p_tenant, p_id, p_values;
END
$$;

-- Merges `p_loser` into `p_winner` (both of kind `p_kind`, 'contact' or
-- 'company'). `p_choices` says, per field, whose value the winner keeps:
-- {"email": "loser"}; a field not named keeps the winner's value, or the
-- loser's when the winner has none. NULL when either record is not there.
-- Answers {"moved": {"deals": n, "activities": n, ...}, "fields": {...}}:
-- how many rows now point at the winner instead, and the values it took.
CREATE FUNCTION merge_records(p_tenant uuid, p_kind text, p_winner uuid, p_loser uuid, p_choices jsonb, p_actor uuid)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    tbl text := trash_table(p_kind);
    fields text[] := CASE p_kind
        WHEN 'contact' THEN ARRAY['first_name', 'last_name', 'email', 'phone', 'title', 'company_id', 'owner_id']
        ELSE ARRAY['name', 'domain', 'phone', 'owner_id'] END;
    winner jsonb;
    loser jsonb;
    value jsonb;
    taken jsonb := '{}';
    before jsonb := '{}';
    links jsonb;
    moved jsonb := '{}';
    added jsonb := '[]';
    f text;
    key text;
    n bigint;
BEGIN
    -- Both rows locked, in id order (two merges of the same pair in
    -- opposite directions cannot deadlock).
    EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %I WHERE tenant_id = $1 AND id IN ($2, $3) ORDER BY id FOR UPDATE) AS x', tbl)
        INTO n USING p_tenant, p_winner, p_loser;
    IF n < 2 THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT to_jsonb(r) FROM %I r WHERE tenant_id = $1 AND id = $2', tbl) INTO winner USING p_tenant, p_winner;
    EXECUTE format('SELECT to_jsonb(r) FROM %I r WHERE tenant_id = $1 AND id = $2', tbl) INTO loser USING p_tenant, p_loser;
    FOREACH f IN ARRAY fields LOOP
        value := CASE WHEN p_choices ->> f = 'loser' THEN loser -> f
                      ELSE coalesce(nullif(winner -> f, 'null'::jsonb), loser -> f) END;
        IF value IS DISTINCT FROM winner -> f THEN
            taken := taken || jsonb_build_object(f, value);
            before := before || jsonb_build_object(f, winner -> f);
        END IF;
    END LOOP;

    -- The loser goes first, so the winner can take its e-mail or domain.
    PERFORM trash_record(p_tenant, p_kind, p_loser, p_actor);
    SELECT t.links INTO links FROM trash t WHERE t.tenant_id = p_tenant AND t.id = p_loser;
    IF p_kind = 'contact' THEN
        WITH linked AS (
            INSERT INTO deal_contacts (tenant_id, deal_id, contact_id)
            SELECT p_tenant, d::uuid, p_winner FROM jsonb_array_elements_text(links -> 'deal_contacts') AS d
            ON CONFLICT DO NOTHING
            RETURNING deal_id)
        SELECT coalesce(jsonb_agg(deal_id), '[]') INTO added FROM linked;
        moved := jsonb_build_object('deals', jsonb_array_length(links -> 'deal_contacts'));
    END IF;
    FOR key IN SELECT k FROM jsonb_object_keys(links) AS k WHERE position('.' IN k) > 0 LOOP
        EXECUTE format('UPDATE %I SET %I = $2 WHERE tenant_id = $1 AND id = ANY ($3) AND %I IS NULL',
                       split_part(key, '.', 1), split_part(key, '.', 2), split_part(key, '.', 2))
            USING p_tenant, p_winner, ARRAY(SELECT jsonb_array_elements_text(links -> key)::uuid);
        GET DIAGNOSTICS n = ROW_COUNT;
        moved := moved || jsonb_build_object(split_part(key, '.', 1), n);
    END LOOP;
    PERFORM set_record_fields(p_tenant, tbl, p_winner, taken);

    UPDATE trash t
    SET links = t.links || jsonb_build_object('merged_into', p_winner, 'merge_added_deals', added,
                                              'winner_before', before, 'winner_after', taken)
    WHERE t.tenant_id = p_tenant AND t.id = p_loser;
    RETURN jsonb_build_object('moved', moved, 'fields', taken);
END
$$;

-- Undoes the merge recorded in a loser's trash entry, before the loser is
-- re-inserted (`restore_record`): the winner gives back the values it
-- took (those nobody changed since), and the rows the merge pointed at
-- the winner point at the loser again (those still pointing at the
-- winner); deal links the merge added to the winner are removed.
CREATE FUNCTION undo_merge(p_tenant uuid, p_kind text, p_loser uuid, p_links jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tbl text := trash_table(p_kind);
    winner uuid := (p_links ->> 'merged_into')::uuid;
    current jsonb;
    give_back jsonb := '{}';
    f text;
    key text;
BEGIN
    EXECUTE format('SELECT to_jsonb(r) FROM %I r WHERE tenant_id = $1 AND id = $2 FOR UPDATE', tbl)
        INTO current USING p_tenant, winner;
    IF current IS NULL THEN
        RETURN;
    END IF;
    FOR f IN SELECT jsonb_object_keys(p_links -> 'winner_before') LOOP
        IF current -> f = p_links -> 'winner_after' -> f THEN
            give_back := give_back || jsonb_build_object(f, p_links -> 'winner_before' -> f);
        END IF;
    END LOOP;
    PERFORM set_record_fields(p_tenant, tbl, winner, give_back);
    FOR key IN SELECT k FROM jsonb_object_keys(p_links) AS k WHERE position('.' IN k) > 0 LOOP
        EXECUTE format('UPDATE %I SET %I = NULL WHERE tenant_id = $1 AND id = ANY ($2) AND %I = $3',
                       split_part(key, '.', 1), split_part(key, '.', 2), split_part(key, '.', 2))
            USING p_tenant, ARRAY(SELECT jsonb_array_elements_text(p_links -> key)::uuid), winner;
    END LOOP;
    DELETE FROM deal_contacts
    WHERE tenant_id = p_tenant AND contact_id = winner
      AND deal_id IN (SELECT jsonb_array_elements_text(coalesce(p_links -> 'merge_added_deals', '[]'))::uuid);
END
$$;
