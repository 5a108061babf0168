-- The trigram index for contains search leads with the tenant (btree_gin),
-- so a lookup reads one organization's entries, not every tenant's.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX IF NOT EXISTS contacts_search_tenant_trgm ON contacts USING gin (tenant_id, search_text gin_trgm_ops);
DROP INDEX IF EXISTS contacts_search_trgm;
