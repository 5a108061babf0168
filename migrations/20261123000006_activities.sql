-- Activities: calls, emails, meetings, tasks and notes, logged against a
-- deal, a contact and/or a company. Metadata is one JSONB object with a GIN
-- index (seed ADR). References are ON DELETE SET NULL on their own column
-- only, so the history survives its deal, contact, company or owner
-- (docs/adr/0008-activities.md).

CREATE TABLE activities (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    kind         text        NOT NULL,
    subject      text        NOT NULL,
    body         text,
    deal_id      uuid,
    contact_id   uuid,
    company_id   uuid,
    owner_id     uuid,
    occurred_at  timestamptz,
    due_at       timestamptz,
    done         boolean     NOT NULL DEFAULT false,
    completed_at timestamptz,
    metadata     jsonb       NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- Where the activity sits on a timeline; never null, so keyset pages
    -- can sort on it.
    timeline_at  timestamptz NOT NULL GENERATED ALWAYS AS (coalesce(occurred_at, due_at, created_at)) STORED,
    CONSTRAINT activities_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT activities_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT activities_deal_fkey FOREIGN KEY (tenant_id, deal_id)
        REFERENCES deals (tenant_id, id) ON DELETE SET NULL (deal_id),
    CONSTRAINT activities_contact_fkey FOREIGN KEY (tenant_id, contact_id)
        REFERENCES contacts (tenant_id, id) ON DELETE SET NULL (contact_id),
    CONSTRAINT activities_company_fkey FOREIGN KEY (tenant_id, company_id)
        REFERENCES companies (tenant_id, id) ON DELETE SET NULL (company_id),
    CONSTRAINT activities_owner_fkey FOREIGN KEY (tenant_id, owner_id)
        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id),
    CONSTRAINT activities_kind_check CHECK (kind IN ('call', 'email', 'meeting', 'task', 'note')),
    CONSTRAINT activities_metadata_check CHECK (jsonb_typeof(metadata) = 'object'),
    -- Due dates and completion belong to tasks; a task is done exactly when
    -- it has a completion time.
    CONSTRAINT activities_task_fields_check CHECK (kind = 'task' OR (due_at IS NULL AND NOT done)),
    CONSTRAINT activities_completed_check CHECK (done = (completed_at IS NOT NULL))
);
-- Keyset sorts: the organization's timeline and creation order.
CREATE INDEX activities_timeline_idx ON activities (tenant_id, timeline_at, id);
CREATE INDEX activities_created_idx ON activities (tenant_id, created_at, id);
-- Timelines of one deal, contact or company (these also serve the
-- ON DELETE SET NULL of each reference).
CREATE INDEX activities_deal_idx ON activities (tenant_id, deal_id, timeline_at, id);
CREATE INDEX activities_contact_idx ON activities (tenant_id, contact_id, timeline_at, id);
CREATE INDEX activities_company_idx ON activities (tenant_id, company_id, timeline_at, id);
CREATE INDEX activities_owner_idx ON activities (tenant_id, owner_id);
-- Open tasks by due date ("what is overdue").
CREATE INDEX activities_open_tasks_idx ON activities (tenant_id, due_at) WHERE kind = 'task' AND NOT done;
-- Containment (`metadata @> '{"outcome": "voicemail"}'`).
CREATE INDEX activities_metadata_idx ON activities USING gin (metadata jsonb_path_ops);

SELECT isolate_tenant_table(t) FROM unnest(ARRAY['activities']::regclass[]) AS t;

GRANT SELECT, INSERT, UPDATE, DELETE ON activities TO clearview_app;
