-- Merges carry custom values (issue 12, ADR 0034): `merge_records()` as
-- in migration 20261206000006, and the winner also takes, key by key, the
-- loser's custom values it lacks or that the choices name
-- (`"cf.<key>": "loser"`). Its answer names those keys in `custom_fields`.
-- Restoring the loser gives them back like every other value taken
-- (`undo_merge()` reads `winner_before` / `winner_after`, unchanged).

CREATE OR REPLACE FUNCTION merge_records(p_tenant uuid, p_kind text, p_winner uuid, p_loser uuid, p_choices jsonb, p_actor uuid)
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
    custom jsonb;
    custom_taken jsonb;
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

    -- Custom values (ADR 0034), key by key: the loser's when chosen
    -- ("cf.<key>": "loser") or when the winner has none, else the winner's.
    SELECT coalesce(jsonb_object_agg(k, v), '{}'),
           coalesce(jsonb_agg(k) FILTER (WHERE v IS DISTINCT FROM winner -> 'custom_fields' -> k), '[]')
    INTO custom, custom_taken
    FROM (
        SELECT k, CASE WHEN p_choices ->> ('cf.' || k) = 'loser' AND (loser -> 'custom_fields') ? k
                       THEN loser -> 'custom_fields' -> k
                       ELSE coalesce(winner -> 'custom_fields' -> k, loser -> 'custom_fields' -> k) END AS v
        FROM (SELECT jsonb_object_keys(winner -> 'custom_fields')
              UNION SELECT jsonb_object_keys(loser -> 'custom_fields')) AS keys(k)
    ) AS chosen;
    IF custom IS DISTINCT FROM winner -> 'custom_fields' THEN
        taken := taken || jsonb_build_object('custom_fields', custom);
        before := before || jsonb_build_object('custom_fields', winner -> 'custom_fields');
    END IF;

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
    RETURN jsonb_build_object('moved', moved, 'fields', taken - 'custom_fields', 'custom_fields', custom_taken);
END
$$;
