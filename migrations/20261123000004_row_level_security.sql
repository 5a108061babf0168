-- Row-level security on every tenant table: enabled, forced (so even the
-- owner is filtered unless superuser) and one policy for every command.
-- No tenant set means NULL, and NULL matches nothing: no rows.
--
-- The rule is written once, here; every migration that creates a tenant
-- table calls this function for it. Only the owner may call it.
CREATE FUNCTION isolate_tenant_table(p_table regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_table);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_table);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s '
        'USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
        'WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)', p_table);
END
$$;
REVOKE ALL ON FUNCTION isolate_tenant_table(regclass) FROM PUBLIC;

SELECT isolate_tenant_table(t)
FROM unnest(ARRAY['organizations', 'memberships', 'sessions', 'refresh_tokens', 'companies', 'contacts']::regclass[]) AS t;
