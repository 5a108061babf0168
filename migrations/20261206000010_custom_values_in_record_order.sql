-- Custom-field values carry their record's `created_at` (issue 12, ADR
-- 0034 addendum). A list filtered by a custom field in its default order
-- (newest first) then reads the matching values in that order from the
-- value index and fetches only the page's records. Before, every match was
-- fetched to be sorted: a number range matching 2,000 contacts of the
-- whale organization took 21 ms per request (docs/benchmarks.md).

ALTER TABLE custom_field_values ADD COLUMN created_at timestamptz;

UPDATE custom_field_values v SET created_at = r.created_at
FROM contacts r WHERE r.tenant_id = v.tenant_id AND r.id = v.record_id;
UPDATE custom_field_values v SET created_at = r.created_at
FROM companies r WHERE r.tenant_id = v.tenant_id AND r.id = v.record_id;
UPDATE custom_field_values v SET created_at = r.created_at
FROM deals r WHERE r.tenant_id = v.tenant_id AND r.id = v.record_id;
-- A value whose record is gone cannot be listed; the triggers delete such
-- rows, so none should be left.
DELETE FROM custom_field_values WHERE created_at IS NULL;
ALTER TABLE custom_field_values ALTER COLUMN created_at SET NOT NULL;

-- The value indexes carry `created_at` and the tenant (the row security
-- condition) so a filter is answered from the index alone once the table
-- is vacuumed (index-only scans).
DROP INDEX custom_field_values_txt_idx;
DROP INDEX custom_field_values_num_idx;
DROP INDEX custom_field_values_day_idx;
CREATE INDEX custom_field_values_txt_idx ON custom_field_values (field_id, txt, record_id) INCLUDE (tenant_id, created_at);
CREATE INDEX custom_field_values_num_idx ON custom_field_values (field_id, num, record_id) INCLUDE (tenant_id, created_at)
    WHERE num IS NOT NULL;
CREATE INDEX custom_field_values_day_idx ON custom_field_values (field_id, day, record_id) INCLUDE (tenant_id, created_at)
    WHERE day IS NOT NULL;

CREATE OR REPLACE FUNCTION index_custom_fields() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM custom_field_values WHERE tenant_id = OLD.tenant_id AND record_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.custom_fields <> '{}' THEN
        INSERT INTO custom_field_values (tenant_id, field_id, record_id, seq, num, day, txt, created_at)
        SELECT NEW.tenant_id, f.id, NEW.id, coalesce(o.seq, 0),
               CASE WHEN f.field_type IN ('number', 'currency') THEN (v.value #>> '{}')::numeric END,
               CASE WHEN f.field_type = 'date' THEN (v.value #>> '{}')::date END,
               CASE WHEN f.field_type = 'multi_select' THEN lower(o.value)
                    WHEN f.field_type IN ('text', 'boolean', 'single_select') THEN lower(left(v.value #>> '{}', 200))
               END,
               NEW.created_at
        FROM jsonb_each(NEW.custom_fields) v
        JOIN custom_fields f ON f.tenant_id = NEW.tenant_id AND f.entity = TG_ARGV[0] AND f.key = v.key
        LEFT JOIN LATERAL jsonb_array_elements_text(
            CASE WHEN f.field_type = 'multi_select' AND jsonb_typeof(v.value) = 'array' THEN v.value END
        ) WITH ORDINALITY o(value, seq) ON true;
    END IF;
    RETURN NULL;
END
$$;

-- A record whose `created_at` changes (an import's undo puts back the
-- previous row) rewrites its values too.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('contacts', 'contact'), ('companies', 'company'), ('deals', 'deal')) AS x(tbl, entity)
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t.tbl || '_custom_fields_update', t.tbl);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE OF custom_fields, created_at ON %I FOR EACH ROW '
                       'WHEN (OLD.custom_fields IS DISTINCT FROM NEW.custom_fields '
                       'OR OLD.created_at IS DISTINCT FROM NEW.created_at) '
                       'EXECUTE FUNCTION index_custom_fields(%L)', t.tbl || '_custom_fields_update', t.tbl, t.entity);
    END LOOP;
END
$$;

-- The number look-up answers each match with its record's `created_at`,
-- so the caller can order the matches without reading the records.
DROP FUNCTION custom_number_matches(uuid, numeric, numeric);
CREATE FUNCTION custom_number_matches(p_field uuid, p_min numeric, p_max numeric)
RETURNS TABLE (record_id uuid, created_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT v.record_id, v.created_at FROM custom_field_values v
    WHERE v.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
      AND v.field_id = p_field
      AND v.num IS NOT NULL
      AND v.num BETWEEN coalesce(p_min, '-Infinity'::numeric) AND coalesce(p_max, 'Infinity'::numeric)
$$;
REVOKE ALL ON FUNCTION custom_number_matches(uuid, numeric, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custom_number_matches(uuid, numeric, numeric) TO clearview_app;
