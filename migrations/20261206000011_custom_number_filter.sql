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
