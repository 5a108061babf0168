-- Custom fields (issue 12, ADR 0034): fields an organization's admins
-- define on contacts, companies and deals.
--
-- A record keeps its values in its own `custom_fields` jsonb column (key →
-- value, validated by the application on every write), so every read that
-- returns the record returns them, and the trash, restore and merge carry
-- them with the row. Lists filter and sort through `custom_field_values`,
-- one typed row per value, kept by triggers on the three tables: a filter
-- is a btree range on (field, value) whatever the field's type.

CREATE TABLE custom_fields (
    tenant_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    entity     text        NOT NULL,
    key        text        NOT NULL,
    label      text        NOT NULL,
    field_type text        NOT NULL,
    -- Select options: [{"key": "gold", "label": "Gold"}]. Values hold the
    -- key, so renaming a label keeps every value.
    options    jsonb       NOT NULL DEFAULT '[]',
    -- The currency of a `currency` field's amounts.
    currency   char(3),
    required   boolean     NOT NULL DEFAULT false,
    position   integer     NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT custom_fields_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT custom_fields_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT custom_fields_key_key UNIQUE (tenant_id, entity, key),
    CONSTRAINT custom_fields_entity_check CHECK (entity IN ('contact', 'company', 'deal')),
    CONSTRAINT custom_fields_key_check CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    CONSTRAINT custom_fields_label_check CHECK (char_length(label) BETWEEN 1 AND 100),
    CONSTRAINT custom_fields_type_check CHECK (field_type IN ('text', 'long_text', 'number', 'currency', 'date',
                                                              'boolean', 'single_select', 'multi_select')),
    CONSTRAINT custom_fields_options_check CHECK (jsonb_typeof(options) = 'array'),
    CONSTRAINT custom_fields_currency_check CHECK ((field_type = 'currency') = (currency IS NOT NULL))
);
SELECT isolate_tenant_table('custom_fields'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON custom_fields TO clearview_app;

ALTER TABLE contacts ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}';
ALTER TABLE companies ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}';
ALTER TABLE deals ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}';

-- One row per value (a multi-select has one per chosen option): numbers and
-- amounts in `num`, dates in `day`, the rest in `txt` (lower case, the
-- first 200 characters). A long text has a row with no value, so deleting
-- its field still finds the records that hold it.
CREATE TABLE custom_field_values (
    tenant_id uuid    NOT NULL,
    field_id  uuid    NOT NULL,
    record_id uuid    NOT NULL,
    -- 0, or the position of a multi-select's option among the chosen ones.
    seq       integer NOT NULL,
    num       numeric,
    day       date,
    txt       text,
    CONSTRAINT custom_field_values_pkey PRIMARY KEY (tenant_id, record_id, field_id, seq),
    CONSTRAINT custom_field_values_field_fkey FOREIGN KEY (tenant_id, field_id)
        REFERENCES custom_fields (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX custom_field_values_txt_idx ON custom_field_values (field_id, txt, record_id);
CREATE INDEX custom_field_values_num_idx ON custom_field_values (field_id, num, record_id) WHERE num IS NOT NULL;
CREATE INDEX custom_field_values_day_idx ON custom_field_values (field_id, day, record_id) WHERE day IS NOT NULL;
SELECT isolate_tenant_table('custom_field_values'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON custom_field_values TO clearview_app;

-- Rewrites a record's rows in `custom_field_values` (TG_ARGV[0] is the
-- entity). Keys without a definition are not indexed.
CREATE FUNCTION index_custom_fields() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM custom_field_values WHERE tenant_id = OLD.tenant_id AND record_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.custom_fields <> '{}' THEN
        INSERT INTO custom_field_values (tenant_id, field_id, record_id, seq, num, day, txt)
        SELECT NEW.tenant_id, f.id, NEW.id, coalesce(o.seq, 0),
               CASE WHEN f.field_type IN ('number', 'currency') THEN (v.value #>> '{}')::numeric END,
               CASE WHEN f.field_type = 'date' THEN (v.value #>> '{}')::date END,
               CASE WHEN f.field_type = 'multi_select' THEN lower(o.value)
                    WHEN f.field_type IN ('text', 'boolean', 'single_select') THEN lower(left(v.value #>> '{}', 200))
               END
        FROM jsonb_each(NEW.custom_fields) v
        JOIN custom_fields f ON f.tenant_id = NEW.tenant_id AND f.entity = TG_ARGV[0] AND f.key = v.key
        LEFT JOIN LATERAL jsonb_array_elements_text(
            CASE WHEN f.field_type = 'multi_select' AND jsonb_typeof(v.value) = 'array' THEN v.value END
        ) WITH ORDINALITY o(value, seq) ON true;
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('contacts', 'contact'), ('companies', 'company'), ('deals', 'deal')) AS x(tbl, entity)
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I FOR EACH ROW WHEN (NEW.custom_fields <> ''{}'') '
                       'EXECUTE FUNCTION index_custom_fields(%L)', t.tbl || '_custom_fields_insert', t.tbl, t.entity);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE OF custom_fields ON %I FOR EACH ROW '
                       'WHEN (OLD.custom_fields IS DISTINCT FROM NEW.custom_fields) '
                       'EXECUTE FUNCTION index_custom_fields(%L)', t.tbl || '_custom_fields_update', t.tbl, t.entity);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I FOR EACH ROW WHEN (OLD.custom_fields <> ''{}'') '
                       'EXECUTE FUNCTION index_custom_fields(%L)', t.tbl || '_custom_fields_delete', t.tbl, t.entity);
    END LOOP;
END
$$;

-- Deletes a field definition and every value of it, in one transaction:
-- the records that hold it lose the key, and so do records in the trash
-- and what a merge's undo would give back (a restore must not bring back a
-- value of a field that no longer exists); then the definition goes (its
-- index rows with it). False when there is no such field.
CREATE FUNCTION delete_custom_field(p_tenant uuid, p_id uuid) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    field custom_fields;
    tbl text;
BEGIN
    SELECT * INTO field FROM custom_fields WHERE tenant_id = p_tenant AND id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    tbl := CASE field.entity WHEN 'contact' THEN 'contacts' WHEN 'company' THEN 'companies' ELSE 'deals' END;
    EXECUTE format('UPDATE %I SET custom_fields = custom_fields - $3 '
                   'WHERE tenant_id = $1 AND id IN (SELECT record_id FROM custom_field_values '
                   'WHERE tenant_id = $1 AND field_id = $2)', tbl)
        USING p_tenant, p_id, field.key;
    -- Records in the trash lose it too, so a restore cannot bring back a
    -- value of a field that no longer exists.
    UPDATE trash
    SET record = jsonb_set(record, '{custom_fields}', (record -> 'custom_fields') - field.key)
    WHERE tenant_id = p_tenant AND kind = field.entity AND (record -> 'custom_fields') ? field.key;
    -- So do the values a merge's undo would give back.
    UPDATE trash
    SET links = jsonb_set(jsonb_set(links, '{winner_before,custom_fields}',
                                    (links -> 'winner_before' -> 'custom_fields') - field.key),
                          '{winner_after,custom_fields}', (links -> 'winner_after' -> 'custom_fields') - field.key)
    WHERE tenant_id = p_tenant AND kind = field.entity AND links -> 'winner_before' ? 'custom_fields';
    DELETE FROM custom_fields WHERE tenant_id = p_tenant AND id = p_id;
    RETURN true;
END
$$;

-- Removes a select option's key from every value of a field (an option an
-- admin deleted): a single-select loses its value, a multi-select the key.
CREATE FUNCTION drop_custom_field_option(p_tenant uuid, p_id uuid, p_option text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    field custom_fields;
    tbl text;
BEGIN
    SELECT * INTO field FROM custom_fields WHERE tenant_id = p_tenant AND id = p_id;
    tbl := CASE field.entity WHEN 'contact' THEN 'contacts' WHEN 'company' THEN 'companies' ELSE 'deals' END;
    EXECUTE format(
        'UPDATE %I SET custom_fields = CASE '
        '  WHEN jsonb_typeof(custom_fields -> $3) = ''array'' AND jsonb_array_length(custom_fields -> $3) > 1 '
        '  THEN jsonb_set(custom_fields, ARRAY[$3], (custom_fields -> $3) - $4) '
        '  ELSE custom_fields - $3 END '
        'WHERE tenant_id = $1 AND id IN (SELECT record_id FROM custom_field_values '
        'WHERE tenant_id = $1 AND field_id = $2 AND txt = lower($4))', tbl)
        USING p_tenant, p_id, field.key, p_option;
END
$$;

-- Number and amount filters on custom fields (ADR 0034). `numeric`'s
-- comparison operators are not leakproof, so under RLS `num >= $1` cannot
-- drive custom_field_values_num_idx: every value of the field was read and
-- filtered (4.4 s p50 on the whale in the benchmark). Like
-- contact_search_hits, this look-up is bound to the caller's tenant
-- (app.tenant_id) and returns record ids only; NULL bounds are open.
CREATE FUNCTION custom_number_matches(p_field uuid, p_min numeric, p_max numeric)
RETURNS TABLE (record_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT v.record_id FROM custom_field_values v
    WHERE v.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
      AND v.field_id = p_field
      AND v.num IS NOT NULL
      AND v.num BETWEEN coalesce(p_min, '-Infinity'::numeric) AND coalesce(p_max, 'Infinity'::numeric)
$$;
REVOKE ALL ON FUNCTION custom_number_matches(uuid, numeric, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION custom_number_matches(uuid, numeric, numeric) TO clearview_app;
