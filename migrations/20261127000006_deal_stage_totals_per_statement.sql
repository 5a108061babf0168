-- The board's sums (ADR 0022) kept per statement instead of per row.
--
-- Per row, a statement that changes many deals locked their groups in scan
-- order. For example, removing a member sets the owner of all their deals
-- to NULL. A concurrent move between the same groups locked them the other
-- way, and PostgreSQL aborted one of the two (deadlock). Now each
-- statement adds up its changes per group from its transition tables and
-- applies them once, in group-key order, so every writer locks groups in
-- the same order. A bulk change also costs one update per group instead
-- of one or two per deal.

DROP TRIGGER deal_stage_totals_on_insert ON deals;
DROP TRIGGER deal_stage_totals_on_delete ON deals;
DROP TRIGGER deal_stage_totals_on_update ON deals;
DROP FUNCTION deal_stage_totals_track();
DROP FUNCTION deal_stage_totals_add(uuid, uuid, uuid, char, smallint, bigint, numeric);
DROP FUNCTION deal_stage_totals_remove(uuid, uuid, uuid, char, smallint, numeric);

-- Applies the net change of one statement, `delta` rows of (tenant, stage,
-- owner, currency, probability, deals, amount), organization by
-- organization with that organization set as the tenant (a cascade may run
-- with none set), groups in key order. Existing groups are locked and
-- updated. Groups that gain deals and do not exist yet are created. A group
-- that does not exist and only loses deals is one whose organization or
-- stage is being deleted in the same statement; it is skipped.
CREATE FUNCTION deal_stage_totals_apply(delta jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tenant_before text := current_setting('app.tenant_id', true);
    tenant uuid;
BEGIN
    FOR tenant IN SELECT DISTINCT (d ->> 'tenant_id')::uuid FROM jsonb_array_elements(delta) d ORDER BY 1 LOOP
        PERFORM set_config('app.tenant_id', tenant::text, true);
        PERFORM 1
        FROM deal_stage_totals t
        JOIN jsonb_to_recordset(delta) AS x (tenant_id uuid, stage_id uuid, owner_id uuid, currency text,
                                             probability smallint, deals bigint, amount numeric)
          ON x.tenant_id = t.tenant_id AND x.stage_id = t.stage_id AND x.owner_id IS NOT DISTINCT FROM t.owner_id
         AND x.currency = t.currency AND x.probability IS NOT DISTINCT FROM t.probability
        WHERE t.tenant_id = tenant
        ORDER BY t.stage_id, t.owner_id, t.currency, t.probability
        FOR UPDATE OF t;
        UPDATE deal_stage_totals t
        SET deal_count = t.deal_count + x.deals, amount = t.amount + x.amount
        FROM jsonb_to_recordset(delta) AS x (tenant_id uuid, stage_id uuid, owner_id uuid, currency text,
                                             probability smallint, deals bigint, amount numeric)
        WHERE t.tenant_id = tenant AND x.tenant_id = tenant AND t.stage_id = x.stage_id
          AND t.owner_id IS NOT DISTINCT FROM x.owner_id AND t.currency = x.currency
          AND t.probability IS NOT DISTINCT FROM x.probability;
        INSERT INTO deal_stage_totals AS t (tenant_id, stage_id, owner_id, currency, probability, deal_count, amount)
        SELECT tenant, x.stage_id, x.owner_id, x.currency, x.probability, x.deals, x.amount
        FROM jsonb_to_recordset(delta) AS x (tenant_id uuid, stage_id uuid, owner_id uuid, currency text,
                                             probability smallint, deals bigint, amount numeric)
        WHERE x.tenant_id = tenant AND x.deals > 0 AND NOT EXISTS (
            SELECT 1 FROM deal_stage_totals e
            WHERE e.tenant_id = tenant AND e.stage_id = x.stage_id AND e.owner_id IS NOT DISTINCT FROM x.owner_id
              AND e.currency = x.currency AND e.probability IS NOT DISTINCT FROM x.probability)
        ORDER BY x.stage_id, x.owner_id, x.currency, x.probability
        -- A group created meanwhile by another transaction: add to it.
        ON CONFLICT (tenant_id, stage_id, owner_id, currency, probability)
        DO UPDATE SET deal_count = t.deal_count + EXCLUDED.deal_count, amount = t.amount + EXCLUDED.amount;
    END LOOP;
    PERFORM set_config('app.tenant_id', coalesce(tenant_before, ''), true);
END
$$;

-- One function per event: a statement trigger sees only the transition
-- tables its event has.
CREATE FUNCTION deal_stage_totals_after_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM deal_stage_totals_apply(coalesce((
        SELECT jsonb_agg(g) FROM (
            SELECT tenant_id, stage_id, owner_id, currency, probability, count(*) AS deals, sum(amount) AS amount
            FROM new_deals GROUP BY tenant_id, stage_id, owner_id, currency, probability) g), '[]'));
    RETURN NULL;
END
$$;

CREATE FUNCTION deal_stage_totals_after_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM deal_stage_totals_apply(coalesce((
        SELECT jsonb_agg(g) FROM (
            SELECT tenant_id, stage_id, owner_id, currency, probability, -count(*) AS deals, -sum(amount) AS amount
            FROM old_deals GROUP BY tenant_id, stage_id, owner_id, currency, probability) g), '[]'));
    RETURN NULL;
END
$$;

CREATE FUNCTION deal_stage_totals_after_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM deal_stage_totals_apply(coalesce((
        SELECT jsonb_agg(g) FROM (
            SELECT tenant_id, stage_id, owner_id, currency, probability, sum(deals) AS deals, sum(amount) AS amount
            FROM (SELECT tenant_id, stage_id, owner_id, currency, probability, 1 AS deals, amount FROM new_deals
                  UNION ALL
                  SELECT tenant_id, stage_id, owner_id, currency, probability, -1, -amount FROM old_deals) c
            GROUP BY tenant_id, stage_id, owner_id, currency, probability
            HAVING sum(deals) <> 0 OR sum(amount) <> 0) g), '[]'));
    RETURN NULL;
END
$$;

CREATE TRIGGER deal_stage_totals_on_insert AFTER INSERT ON deals
    REFERENCING NEW TABLE AS new_deals
    FOR EACH STATEMENT EXECUTE FUNCTION deal_stage_totals_after_insert();
CREATE TRIGGER deal_stage_totals_on_delete AFTER DELETE ON deals
    REFERENCING OLD TABLE AS old_deals
    FOR EACH STATEMENT EXECUTE FUNCTION deal_stage_totals_after_delete();
CREATE TRIGGER deal_stage_totals_on_update AFTER UPDATE ON deals
    REFERENCING OLD TABLE AS old_deals NEW TABLE AS new_deals
    FOR EACH STATEMENT EXECUTE FUNCTION deal_stage_totals_after_update();
