-- Pipelines with ordered, first-class stages (seed ADR: stages replace a
-- status enum), deals, their contacts and their stage history.

CREATE TABLE pipelines (
    tenant_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    name       text        NOT NULL,
    is_default boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pipelines_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT pipelines_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX pipelines_name_key ON pipelines (tenant_id, lower(name));
-- At most one default pipeline per organization.
CREATE UNIQUE INDEX pipelines_default_key ON pipelines (tenant_id) WHERE is_default;

CREATE TABLE pipeline_stages (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL,
    pipeline_id uuid        NOT NULL,
    name        text        NOT NULL,
    position    integer     NOT NULL,
    probability smallint    NOT NULL,
    kind        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pipeline_stages_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT pipeline_stages_pipeline_fkey FOREIGN KEY (tenant_id, pipeline_id)
        REFERENCES pipelines (tenant_id, id) ON DELETE CASCADE,
    -- Lets deals reference (pipeline, stage) together: a deal's stage is
    -- always a stage of the deal's pipeline.
    CONSTRAINT pipeline_stages_pipeline_stage_key UNIQUE (tenant_id, pipeline_id, id),
    -- Dense order; deferred so a reorder can swap positions in one statement.
    CONSTRAINT pipeline_stages_position_key UNIQUE (tenant_id, pipeline_id, position) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT pipeline_stages_probability_check CHECK (probability BETWEEN 0 AND 100),
    CONSTRAINT pipeline_stages_kind_check CHECK (kind IN ('open', 'won', 'lost'))
);
CREATE UNIQUE INDEX pipeline_stages_name_key ON pipeline_stages (tenant_id, pipeline_id, lower(name));

CREATE TABLE deals (
    tenant_id           uuid        NOT NULL,
    id                  uuid        NOT NULL,
    title               text        NOT NULL,
    -- Exact money: unconstrained numeric keeps the scale the client sent.
    amount              numeric     NOT NULL,
    currency            char(3)     NOT NULL,
    pipeline_id         uuid        NOT NULL,
    stage_id            uuid        NOT NULL,
    company_id          uuid,
    owner_id            uuid,
    expected_close_date date,
    -- An override of the stage's probability; NULL means "the stage's".
    probability         smallint,
    closed_at           timestamptz,
    lost_reason         text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT deals_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT deals_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT deals_stage_fkey FOREIGN KEY (tenant_id, pipeline_id, stage_id)
        REFERENCES pipeline_stages (tenant_id, pipeline_id, id),
    CONSTRAINT deals_company_fkey FOREIGN KEY (tenant_id, company_id)
        REFERENCES companies (tenant_id, id) ON DELETE SET NULL (company_id),
    CONSTRAINT deals_owner_fkey FOREIGN KEY (tenant_id, owner_id)
        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id),
    CONSTRAINT deals_amount_check CHECK (amount >= 0 AND scale(amount) <= 4),
    CONSTRAINT deals_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT deals_probability_check CHECK (probability BETWEEN 0 AND 100)
);
CREATE INDEX deals_created_idx ON deals (tenant_id, created_at, id);
CREATE INDEX deals_updated_idx ON deals (tenant_id, updated_at, id);
CREATE INDEX deals_stage_idx ON deals (tenant_id, stage_id, created_at, id);
CREATE INDEX deals_pipeline_close_idx ON deals (tenant_id, pipeline_id, expected_close_date);
CREATE INDEX deals_company_idx ON deals (tenant_id, company_id);
CREATE INDEX deals_owner_idx ON deals (tenant_id, owner_id);

CREATE TABLE deal_contacts (
    tenant_id  uuid NOT NULL,
    deal_id    uuid NOT NULL,
    contact_id uuid NOT NULL,
    CONSTRAINT deal_contacts_pkey PRIMARY KEY (tenant_id, deal_id, contact_id),
    CONSTRAINT deal_contacts_deal_fkey FOREIGN KEY (tenant_id, deal_id) REFERENCES deals (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT deal_contacts_contact_fkey FOREIGN KEY (tenant_id, contact_id)
        REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX deal_contacts_contact_idx ON deal_contacts (tenant_id, contact_id);

-- Every stage move: who, when, from, to. Stage names are copied so the
-- history stays readable after a stage is deleted or renamed.
CREATE TABLE deal_stage_changes (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    deal_id         uuid        NOT NULL,
    from_stage_id   uuid,
    from_stage_name text,
    to_stage_id     uuid        NOT NULL,
    to_stage_name   text        NOT NULL,
    changed_by      uuid,
    changed_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT deal_stage_changes_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT deal_stage_changes_deal_fkey FOREIGN KEY (tenant_id, deal_id)
        REFERENCES deals (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT deal_stage_changes_actor_fkey FOREIGN KEY (tenant_id, changed_by)
        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (changed_by)
);
CREATE INDEX deal_stage_changes_deal_idx ON deal_stage_changes (tenant_id, deal_id, changed_at);

SELECT isolate_tenant_table(t) FROM unnest(ARRAY['pipelines', 'pipeline_stages', 'deals', 'deal_contacts', 'deal_stage_changes']::regclass[]) AS t;

GRANT SELECT, INSERT, UPDATE, DELETE ON pipelines, pipeline_stages, deals, deal_contacts, deal_stage_changes TO clearview_app;
