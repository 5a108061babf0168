-- Lists of a rep who sees only their own records (rep_visibility = 'own')
-- filter on the owner as well as the tenant. With an index on
-- (tenant_id, owner_id) alone, a page of a rep's records meant fetching all
-- of them and sorting, or walking the organization's newest records until
-- enough were the rep's — slow for a rep with few records in a large
-- organization. These indexes hold each owner's records in the default
-- order (contacts, companies and deals by creation, activities by timeline),
-- so a page is an index range like any other list (design/performance.md:
-- "the same keyset and index discipline"). They replace the two-column
-- owner indexes, whose prefix they keep (for ON DELETE SET NULL from
-- memberships).
CREATE INDEX contacts_owner_created_idx ON contacts (tenant_id, owner_id, created_at, id);
DROP INDEX contacts_owner_idx;
CREATE INDEX companies_owner_created_idx ON companies (tenant_id, owner_id, created_at, id);
DROP INDEX companies_owner_idx;
CREATE INDEX deals_owner_created_idx ON deals (tenant_id, owner_id, created_at, id);
DROP INDEX deals_owner_idx;
CREATE INDEX activities_owner_timeline_idx ON activities (tenant_id, owner_id, timeline_at, id);
DROP INDEX activities_owner_idx;
