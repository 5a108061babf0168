-- Sales reports (issue 12, ADR 0033).

-- How many days without an activity make an open deal of this stage
-- "rotting"; NULL: the report's default (its `days` parameter).
ALTER TABLE pipeline_stages ADD COLUMN rotting_days smallint
    CONSTRAINT pipeline_stages_rotting_days_check CHECK (rotting_days BETWEEN 1 AND 365);

-- Win rate, sales cycle and velocity read the deals closed in a range.
CREATE INDEX deals_closed_idx ON deals (tenant_id, closed_at) WHERE closed_at IS NOT NULL;

-- Weekly forecast snapshots: what the forecast said, so a month can later
-- be compared with what was won in it (the forecast-accuracy report). One
-- row per snapshot day, pipeline, owner, month of expected close and
-- currency: the open deals' total and probability-weighted amounts. The
-- owner is kept as a plain id (not a foreign key) so a departed member's
-- rows still add up; it names nobody once the person is erased.
CREATE TABLE forecast_snapshots (
    tenant_id   uuid    NOT NULL,
    id          uuid    NOT NULL DEFAULT gen_random_uuid(),
    taken_on    date    NOT NULL,
    pipeline_id uuid    NOT NULL,
    owner_id    uuid,
    month       date    NOT NULL,
    currency    char(3) NOT NULL,
    deals       bigint  NOT NULL,
    expected    numeric NOT NULL,
    weighted    numeric NOT NULL,
    CONSTRAINT forecast_snapshots_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT forecast_snapshots_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT forecast_snapshots_row_key
        UNIQUE NULLS NOT DISTINCT (tenant_id, taken_on, pipeline_id, owner_id, month, currency),
    CONSTRAINT forecast_snapshots_month_check CHECK (extract(day FROM month) = 1)
);
-- The newest snapshot before a month: by tenant and day taken.
CREATE INDEX forecast_snapshots_taken_idx ON forecast_snapshots (tenant_id, taken_on, month);

SELECT isolate_tenant_table('forecast_snapshots'::regclass);
GRANT SELECT ON forecast_snapshots TO clearview_app;

-- Takes today's snapshot of every organization's forecast: open deals
-- expected to close this month or in the next eleven. Run by the worker
-- (weekly schedule `snapshot_forecasts`); taking it twice in a day keeps
-- the first. Answers how many rows were written.
CREATE FUNCTION snapshot_forecasts() RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    INSERT INTO forecast_snapshots (tenant_id, taken_on, pipeline_id, owner_id, month, currency, deals, expected, weighted)
    SELECT d.tenant_id, current_date, d.pipeline_id, d.owner_id, date_trunc('month', d.expected_close_date)::date,
           d.currency, count(*), sum(d.amount),
           -- Amounts have at most 4 places and probabilities are whole
           -- percents, so 6 places hold the weighted sum exactly.
           round(sum(d.amount * coalesce(d.probability, s.probability)) / 100, 6)
    FROM deals d
    JOIN pipeline_stages s ON s.tenant_id = d.tenant_id AND s.id = d.stage_id AND s.kind = 'open'
    WHERE d.expected_close_date >= date_trunc('month', current_date)
      AND d.expected_close_date < date_trunc('month', current_date) + interval '12 months'
    GROUP BY d.tenant_id, d.pipeline_id, d.owner_id, date_trunc('month', d.expected_close_date), d.currency
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN jsonb_build_object('forecast_snapshots', n);
END
$$;
REVOKE ALL ON FUNCTION snapshot_forecasts() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION snapshot_forecasts() TO clearview_worker;
