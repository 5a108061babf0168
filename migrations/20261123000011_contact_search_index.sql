-- The trigram index for contains search leads with the tenant (btree_gin),
-- so a lookup reads one organization's entries, not every tenant's.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX IF NOT EXISTS contacts_search_tenant_trgm ON contacts USING gin (tenant_id, search_text gin_trgm_ops);
DROP INDEX IF EXISTS contacts_search_trgm;

-- Contacts by e-mail for the import's dedupe. `lower()` is not leakproof,
-- so under RLS `lower(email) = ANY(…)` cannot use contacts_email_key and
-- scans the organization; like contact_search_hits, this lookup is bound
-- to the caller's tenant (app.tenant_id) and returns ids only.
CREATE FUNCTION contact_ids_by_email(p_emails text[])
RETURNS TABLE (id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT c.id FROM contacts c
    WHERE c.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
      AND c.email IS NOT NULL AND lower(c.email) = ANY(p_emails)
$$;
REVOKE ALL ON FUNCTION contact_ids_by_email(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION contact_ids_by_email(text[]) TO clearview_app;
