-- Saved list views (issue 12, ADR 0029): a member's named filters, sort and
-- columns for the contacts, companies or deals list, private or shared with
-- the organization. A view goes with its owner's membership.
CREATE TABLE saved_views (
    tenant_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    owner_id   uuid        NOT NULL,
    entity     text        NOT NULL,
    name       text        NOT NULL,
    shared     boolean     NOT NULL DEFAULT false,
    filters    jsonb       NOT NULL DEFAULT '{}',
    sort       text,
    columns    text[]      NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT saved_views_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT saved_views_owner_fkey FOREIGN KEY (tenant_id, owner_id)
        REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE,
    CONSTRAINT saved_views_name_key UNIQUE (tenant_id, owner_id, entity, name),
    CONSTRAINT saved_views_entity_check CHECK (entity IN ('contact', 'company', 'deal')),
    CONSTRAINT saved_views_name_check CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT saved_views_filters_check CHECK (jsonb_typeof(filters) = 'object')
);
-- A list's tabs: the caller's views and the shared ones of one list.
CREATE INDEX saved_views_list_idx ON saved_views (tenant_id, entity, name);

SELECT isolate_tenant_table('saved_views'::regclass);

GRANT SELECT, INSERT, UPDATE, DELETE ON saved_views TO clearview_app;
