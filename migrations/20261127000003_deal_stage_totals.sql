-- Board totals kept current by triggers on deals (ADR 0022).
--
-- The board shows, per stage, how many deals it holds and their total and
-- weighted amounts per currency. Summing the deals on every request costs
-- as much as the stage is large (10,000 deals of the largest organization
-- took about 10 ms a request). These rows hold the sums already: one row
-- per (stage, owner, currency, probability override), so a rep's board
-- (only their own deals) reads its own rows and a manager's board adds a
-- few hundred rows at most. The weighted amount is computed at read time,
-- from the stage's probability as it is then, so renaming or re-weighting
-- a stage needs no recount.
CREATE TABLE deal_stage_totals (
    tenant_id   uuid     NOT NULL,
    id          uuid     NOT NULL DEFAULT gen_random_uuid(),
    stage_id    uuid     NOT NULL,
    owner_id    uuid,
    currency    char(3)  NOT NULL,
    -- The deals' own probability override; NULL means "the stage's".
    probability smallint,
    deal_count  bigint   NOT NULL,
    amount      numeric  NOT NULL,
    CONSTRAINT deal_stage_totals_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT deal_stage_totals_group_key
        UNIQUE NULLS NOT DISTINCT (tenant_id, stage_id, owner_id, currency, probability),
    CONSTRAINT deal_stage_totals_stage_fkey FOREIGN KEY (tenant_id, stage_id)
        REFERENCES pipeline_stages (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT deal_stage_totals_count_check CHECK (deal_count >= 0)
);

-- Adds `deals` and `amount` to one group, creating it if needed.
CREATE FUNCTION deal_stage_totals_add(
    p_tenant uuid, p_stage uuid, p_owner uuid, p_currency char(3), p_probability smallint,
    p_deals bigint, p_amount numeric
) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO deal_stage_totals AS t (tenant_id, stage_id, owner_id, currency, probability, deal_count, amount)
    VALUES (p_tenant, p_stage, p_owner, p_currency, p_probability, p_deals, p_amount)
    ON CONFLICT (tenant_id, stage_id, owner_id, currency, probability)
    DO UPDATE SET deal_count = t.deal_count + EXCLUDED.deal_count, amount = t.amount + EXCLUDED.amount
$$;

-- Takes one deal out of its group. An UPDATE only: when the whole
-- organization is being deleted its groups may already be gone.
CREATE FUNCTION deal_stage_totals_remove(
    p_tenant uuid, p_stage uuid, p_owner uuid, p_currency char(3), p_probability smallint, p_amount numeric
) RETURNS void
LANGUAGE sql AS $$
    UPDATE deal_stage_totals
    SET deal_count = deal_count - 1, amount = amount - p_amount
    WHERE tenant_id = p_tenant AND stage_id = p_stage AND owner_id IS NOT DISTINCT FROM p_owner
      AND currency = p_currency AND probability IS NOT DISTINCT FROM p_probability
$$;

-- The trigger runs as whoever changed the deal, under row-level security.
-- A deal can also change with no tenant set: a cascade from a deleted
-- membership sets its owner to NULL. The tenant of the row itself is set
-- for the trigger's own writes and the previous value restored, so the
-- totals follow every change of a deal and touch nothing of another tenant.
CREATE FUNCTION deal_stage_totals_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    row_tenant uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
    tenant_before text := current_setting('app.tenant_id', true);
    old_first boolean;
BEGIN
    PERFORM set_config('app.tenant_id', row_tenant::text, true);
    IF TG_OP = 'INSERT' THEN
        PERFORM deal_stage_totals_add(NEW.tenant_id, NEW.stage_id, NEW.owner_id, NEW.currency, NEW.probability, 1, NEW.amount);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM deal_stage_totals_remove(OLD.tenant_id, OLD.stage_id, OLD.owner_id, OLD.currency, OLD.probability, OLD.amount);
    ELSE
        -- Two rows are locked; always in the same order, so two moves in
        -- opposite directions cannot deadlock each other.
        old_first := concat_ws('|', OLD.stage_id, OLD.owner_id, OLD.currency, OLD.probability)
                  <= concat_ws('|', NEW.stage_id, NEW.owner_id, NEW.currency, NEW.probability);
        IF old_first THEN
            PERFORM deal_stage_totals_remove(OLD.tenant_id, OLD.stage_id, OLD.owner_id, OLD.currency, OLD.probability, OLD.amount);
        END IF;
        PERFORM deal_stage_totals_add(NEW.tenant_id, NEW.stage_id, NEW.owner_id, NEW.currency, NEW.probability, 1, NEW.amount);
        IF NOT old_first THEN
            PERFORM deal_stage_totals_remove(OLD.tenant_id, OLD.stage_id, OLD.owner_id, OLD.currency, OLD.probability, OLD.amount);
        END IF;
    END IF;
    PERFORM set_config('app.tenant_id', coalesce(tenant_before, ''), true);
    RETURN NULL;
END
$$;

CREATE TRIGGER deal_stage_totals_on_insert AFTER INSERT ON deals
    FOR EACH ROW EXECUTE FUNCTION deal_stage_totals_track();
CREATE TRIGGER deal_stage_totals_on_delete AFTER DELETE ON deals
    FOR EACH ROW EXECUTE FUNCTION deal_stage_totals_track();
CREATE TRIGGER deal_stage_totals_on_update AFTER UPDATE ON deals
    FOR EACH ROW
    WHEN ((OLD.stage_id, OLD.owner_id, OLD.currency, OLD.probability, OLD.amount)
          IS DISTINCT FROM (NEW.stage_id, NEW.owner_id, NEW.currency, NEW.probability, NEW.amount))
    EXECUTE FUNCTION deal_stage_totals_track();

-- The deals already there. Forced row-level security would hide them from
-- an owner that is not a superuser, so it is lifted for this one statement
-- (inside the migration's transaction; nobody else sees the gap).
ALTER TABLE deals NO FORCE ROW LEVEL SECURITY;
INSERT INTO deal_stage_totals (tenant_id, stage_id, owner_id, currency, probability, deal_count, amount)
SELECT tenant_id, stage_id, owner_id, currency, probability, count(*), sum(amount)
FROM deals
GROUP BY tenant_id, stage_id, owner_id, currency, probability;
ALTER TABLE deals FORCE ROW LEVEL SECURITY;

SELECT isolate_tenant_table('deal_stage_totals');
GRANT SELECT, INSERT, UPDATE ON deal_stage_totals TO clearview_app;
