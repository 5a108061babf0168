-- Deleting a custom field (ADR 0034) also removes its values from records
-- in the trash and from what a merge's undo would give back: restoring
-- them later must not bring back a value of a field that no longer exists.
-- `delete_custom_field()` as in migration 20261206000008, plus that.

CREATE OR REPLACE FUNCTION delete_custom_field(p_tenant uuid, p_id uuid) RETURNS boolean
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
