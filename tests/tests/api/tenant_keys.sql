-- Catalog check behind `database::every_tenant_key_leads_with_tenant_id`
-- (docs/scale-out.md). A tenant table is a table in schema public with a
-- column named tenant_id. Returns one row (table_name, problem) per
-- violation; zero rows = every key can be distributed by tenant_id:
--   * the primary key leads with tenant_id;
--   * every UNIQUE constraint, unique index and exclusion constraint leads
--     with tenant_id (an expression such as lower(email) first is a violation);
--   * every foreign key from a tenant table to a tenant table leads with
--     tenant_id on both sides;
--   * no global table (no tenant_id) references a tenant table.
-- Foreign keys from a tenant table to a global table (memberships.user_id →
-- users, audit_log.actor_id → users) are reference-table links, allowed.
WITH tables AS (
    SELECT c.oid, c.relname::text AS table_name,
           (SELECT a.attnum FROM pg_attribute a
            WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tenant_attnum
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
)
SELECT t.table_name, 'no primary key'::text AS problem
FROM tables t
WHERE t.tenant_attnum IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = t.oid AND i.indisprimary)
UNION ALL
SELECT t.table_name,
       CASE WHEN i.indisprimary THEN 'primary key ' ELSE 'unique index ' END
       || ic.relname || ' does not lead with tenant_id: ' || pg_get_indexdef(i.indexrelid)
FROM tables t
JOIN pg_index i ON i.indrelid = t.oid AND (i.indisunique OR i.indisexclusion)
JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE t.tenant_attnum IS NOT NULL AND i.indkey[0] <> t.tenant_attnum
UNION ALL
SELECT t.table_name,
       'foreign key does not lead with tenant_id on both sides: ' || f.conname || ' ' || pg_get_constraintdef(f.oid)
FROM tables t
JOIN pg_constraint f ON f.conrelid = t.oid AND f.contype = 'f'
JOIN tables ft ON ft.oid = f.confrelid
WHERE t.tenant_attnum IS NOT NULL AND ft.tenant_attnum IS NOT NULL
  AND (f.conkey[1] <> t.tenant_attnum OR f.confkey[1] <> ft.tenant_attnum)
UNION ALL
SELECT t.table_name,
       'global table references tenant table: ' || f.conname || ' ' || pg_get_constraintdef(f.oid)
FROM tables t
JOIN pg_constraint f ON f.conrelid = t.oid AND f.contype = 'f'
JOIN tables ft ON ft.oid = f.confrelid
WHERE t.tenant_attnum IS NULL AND ft.tenant_attnum IS NOT NULL
ORDER BY 1, 2;
