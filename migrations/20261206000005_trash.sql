-- Trash and restore (issue 12, ADR 0031).
--
-- Deleting a contact, company, deal or activity moves the row out of its
-- table into `trash`, with the rows that pointed at it: a deal's contacts
-- and stage history, the activities and deals of a company, and so on.
-- Every list, search, board, forecast, export and timeline reads only the
-- live tables, so a trashed record disappears from all of them without a
-- `deleted_at` filter that each query would have to remember, and the
-- unique rules (contact e-mail, company domain) count live records only.
-- Restoring puts the row back with its links; a link to a record that is
-- itself in the trash is handed to that record's entry, so restoring the
-- two in either order restores the link. After 30 days `purge_trash()`
-- (a daily schedule) deletes entries for good.
CREATE TABLE trash (
    tenant_id  uuid        NOT NULL,
    -- The record's own id: a record is in the trash at most once.
    id         uuid        NOT NULL,
    kind       text        NOT NULL,
    -- What the trash list shows: a contact's name, a deal's title...
    label      text        NOT NULL,
    -- Kept as columns (not only in `record`) so that removing a member or
    -- erasing a person clears them here too, as it does on live records.
    owner_id   uuid,
    deleted_by uuid,
    deleted_at timestamptz NOT NULL DEFAULT now(),
    -- The row as it was, without its tenant, owner and generated columns.
    record     jsonb       NOT NULL,
    -- Who pointed at it: {"<table>.<column>": [ids], "deal_contacts": [ids],
    -- "deal_stage_changes": [rows]}; a merge's loser also keeps what the
    -- merge changed ("merged_into" and the rest, ADR 0032).
    links      jsonb       NOT NULL DEFAULT '{}',
    CONSTRAINT trash_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT trash_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT trash_owner_fkey FOREIGN KEY (tenant_id, owner_id)
        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id),
    CONSTRAINT trash_deleted_by_fkey FOREIGN KEY (tenant_id, deleted_by)
        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (deleted_by),
    CONSTRAINT trash_kind_check CHECK (kind IN ('contact', 'company', 'deal', 'activity')),
    CONSTRAINT trash_record_check CHECK (jsonb_typeof(record) = 'object'),
    CONSTRAINT trash_links_check CHECK (jsonb_typeof(links) = 'object')
);
CREATE INDEX trash_list_idx ON trash (tenant_id, deleted_at, id);
CREATE INDEX trash_kind_idx ON trash (tenant_id, kind, deleted_at, id);
CREATE INDEX trash_owner_idx ON trash (tenant_id, owner_id);
CREATE INDEX trash_purge_idx ON trash (deleted_at);

SELECT isolate_tenant_table('trash'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON trash TO clearview_app;

-- The table of a kind of record.
CREATE FUNCTION trash_table(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_kind WHEN 'contact' THEN 'contacts' WHEN 'company' THEN 'companies'
                       WHEN 'deal' THEN 'deals' WHEN 'activity' THEN 'activities' END
$$;

-- The ids of the rows of `p_table` whose `p_column` is `p_id`, as JSON.
CREATE FUNCTION trash_pointers(p_tenant uuid, p_table text, p_column text, p_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    ids jsonb;
BEGIN
    EXECUTE format('SELECT coalesce(jsonb_agg(id), ''[]'') FROM %I WHERE tenant_id = $1 AND %I = $2', p_table, p_column)
        INTO ids USING p_tenant, p_id;
    RETURN ids;
END
$$;

-- Adds `p_id` to the list `p_key` of the trash entry `p_target` (if it is
-- in the trash), so that restoring that entry later restores the link.
CREATE FUNCTION trash_hand_link(p_tenant uuid, p_target uuid, p_key text, p_id uuid) RETURNS void
LANGUAGE sql AS $$
    UPDATE trash
    SET links = jsonb_set(links, ARRAY[p_key], coalesce(links -> p_key, '[]') || jsonb_build_array(p_id))
    WHERE tenant_id = p_tenant AND id = p_target
      AND NOT coalesce(links -> p_key, '[]') @> jsonb_build_array(p_id)
$$;

-- Moves one record to the trash. False when there is no such live record.
-- Runs as the caller, under row-level security.
CREATE FUNCTION trash_record(p_tenant uuid, p_kind text, p_id uuid, p_actor uuid) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    tbl text := trash_table(p_kind);
    rec jsonb;
    links jsonb;
    label text;
BEGIN
    -- The lock makes every concurrent writer of a row that points at this
    -- one (a foreign key check takes KEY SHARE) wait until we are done, so
    -- the links read below are all there are.
    EXECUTE format('SELECT to_jsonb(r) FROM %I r WHERE tenant_id = $1 AND id = $2 FOR UPDATE', tbl)
        INTO rec USING p_tenant, p_id;
    IF rec IS NULL THEN
        RETURN false;
    END IF;
    links := CASE p_kind
        WHEN 'contact' THEN jsonb_build_object(
            'deal_contacts', (SELECT coalesce(jsonb_agg(deal_id), '[]') FROM deal_contacts
                              WHERE tenant_id = p_tenant AND contact_id = p_id),
            'activities.contact_id', trash_pointers(p_tenant, 'activities', 'contact_id', p_id))
        WHEN 'company' THEN jsonb_build_object(
            'contacts.company_id', trash_pointers(p_tenant, 'contacts', 'company_id', p_id),
            'deals.company_id', trash_pointers(p_tenant, 'deals', 'company_id', p_id),
            'activities.company_id', trash_pointers(p_tenant, 'activities', 'company_id', p_id))
        WHEN 'deal' THEN jsonb_build_object(
            'deal_contacts', (SELECT coalesce(jsonb_agg(contact_id), '[]') FROM deal_contacts
                              WHERE tenant_id = p_tenant AND deal_id = p_id),
            'activities.deal_id', trash_pointers(p_tenant, 'activities', 'deal_id', p_id),
            'deal_stage_changes', (SELECT coalesce(jsonb_agg(to_jsonb(c) - 'tenant_id' ORDER BY c.changed_at), '[]')
                                   FROM deal_stage_changes c WHERE tenant_id = p_tenant AND deal_id = p_id))
        ELSE '{}'::jsonb
    END;
    label := CASE p_kind
        WHEN 'contact' THEN concat_ws(' ', rec ->> 'first_name', rec ->> 'last_name')
        WHEN 'company' THEN rec ->> 'name'
        WHEN 'deal' THEN rec ->> 'title'
        ELSE rec ->> 'subject'
    END;
    EXECUTE format('DELETE FROM %I WHERE tenant_id = $1 AND id = $2', tbl) USING p_tenant, p_id;
    INSERT INTO trash (tenant_id, id, kind, label, owner_id, deleted_by, record, links)
    VALUES (p_tenant, p_id, p_kind, label, (rec ->> 'owner_id')::uuid,
            (SELECT m.user_id FROM memberships m WHERE m.tenant_id = p_tenant AND m.user_id = p_actor),
            rec - 'tenant_id' - 'owner_id' - 'search_text' - 'timeline_at', links);
    RETURN true;
END
$$;

-- Whether a live record of `p_table` has this id.
CREATE FUNCTION trash_is_live(p_tenant uuid, p_table text, p_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    found boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE tenant_id = $1 AND id = $2)', p_table)
        INTO found USING p_tenant, p_id;
    RETURN found;
END
$$;

-- Puts one trashed record back with its links. False when the trash holds
-- no such record. Raises CV409 when a deal's stage is gone; a live record
-- that took the e-mail or domain meanwhile raises the unique violation.
CREATE FUNCTION restore_record(p_tenant uuid, p_kind text, p_id uuid) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    entry trash%ROWTYPE;
    tbl text := trash_table(p_kind);
    rec jsonb;
    columns text;
    ref record;
    link record;
    target uuid;
BEGIN
    DELETE FROM trash WHERE tenant_id = p_tenant AND id = p_id AND kind = p_kind RETURNING * INTO entry;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF entry.links ? 'merged_into' THEN
        -- The loser of a merge: the merge is undone first, so the values
        -- the winner took are free again (`undo_merge`, migration
        -- 20261206000006, ADR 0032).
        PERFORM undo_merge(p_tenant, p_kind, p_id, entry.links);
    END IF;
    rec := entry.record || jsonb_build_object('tenant_id', p_tenant, 'owner_id', entry.owner_id);

    -- Its own references to records that are gone: cleared, and handed to
    -- the referenced record's trash entry when it is there.
    FOR ref IN SELECT * FROM (VALUES ('company_id', 'companies'), ('contact_id', 'contacts'), ('deal_id', 'deals'))
                             AS r (col, target_table) LOOP
        IF rec ->> ref.col IS NOT NULL AND NOT trash_is_live(p_tenant, ref.target_table, (rec ->> ref.col)::uuid) THEN
            PERFORM trash_hand_link(p_tenant, (rec ->> ref.col)::uuid, tbl || '.' || ref.col, p_id);
            rec := jsonb_set(rec, ARRAY[ref.col], 'null');
        END IF;
    END LOOP;
    IF p_kind = 'deal' AND NOT EXISTS (
        SELECT 1 FROM pipeline_stages s
        WHERE s.tenant_id = p_tenant AND s.id = (rec ->> 'stage_id')::uuid
          AND s.pipeline_id = (rec ->> 'pipeline_id')::uuid) THEN
        RAISE EXCEPTION 'the deal''s pipeline stage no longer exists' USING ERRCODE = 'CV409';
    END IF;

    -- Every stored column, whatever columns the table has gained since.
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_attribute
    WHERE attrelid = tbl::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM jsonb_populate_record(NULL::%I, $1)', tbl, columns, columns, tbl)
        USING rec;

    -- The rows that pointed at it.
    FOR link IN SELECT key, value FROM jsonb_each(entry.links) LOOP
        IF link.key = 'deal_stage_changes' THEN
            INSERT INTO deal_stage_changes (tenant_id, id, deal_id, from_stage_id, from_stage_name,
                                            to_stage_id, to_stage_name, changed_by, changed_at)
            SELECT p_tenant, c.id, c.deal_id, c.from_stage_id, c.from_stage_name, c.to_stage_id, c.to_stage_name,
                   (SELECT m.user_id FROM memberships m WHERE m.tenant_id = p_tenant AND m.user_id = c.changed_by),
                   c.changed_at
            FROM jsonb_populate_recordset(NULL::deal_stage_changes, link.value) c;
        ELSIF link.key = 'deal_contacts' THEN
            FOR target IN SELECT jsonb_array_elements_text(link.value)::uuid LOOP
                IF trash_is_live(p_tenant, CASE p_kind WHEN 'deal' THEN 'contacts' ELSE 'deals' END, target) THEN
                    INSERT INTO deal_contacts (tenant_id, deal_id, contact_id)
                    VALUES (p_tenant,
                            CASE p_kind WHEN 'deal' THEN p_id ELSE target END,
                            CASE p_kind WHEN 'deal' THEN target ELSE p_id END)
                    ON CONFLICT DO NOTHING;
                ELSE
                    PERFORM trash_hand_link(p_tenant, target, 'deal_contacts', p_id);
                END IF;
            END LOOP;
        ELSIF position('.' IN link.key) > 0 THEN
            -- '<table>.<column>': live rows point at it again unless they
            -- were pointed elsewhere meanwhile; trashed rows will on restore.
            EXECUTE format(
                'UPDATE %I SET %I = $2 WHERE tenant_id = $1 AND id = ANY ($3) AND %I IS NULL',
                split_part(link.key, '.', 1), split_part(link.key, '.', 2), split_part(link.key, '.', 2))
                USING p_tenant, p_id,
                      ARRAY(SELECT jsonb_array_elements_text(link.value)::uuid);
            UPDATE trash t
            SET record = jsonb_set(t.record, ARRAY[split_part(link.key, '.', 2)], to_jsonb(p_id))
            WHERE t.tenant_id = p_tenant
              AND t.id IN (SELECT jsonb_array_elements_text(link.value)::uuid)
              AND trash_table(t.kind) = split_part(link.key, '.', 1)
              AND t.record ->> split_part(link.key, '.', 2) IS NULL;
        END IF;
    END LOOP;
    RETURN true;
END
$$;

-- The daily purge of entries older than 30 days, across tenants.
CREATE FUNCTION purge_trash() RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    DELETE FROM trash WHERE deleted_at < now() - interval '30 days';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN jsonb_build_object('trash', n);
END
$$;
REVOKE ALL ON FUNCTION purge_trash() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_trash() TO clearview_worker;
