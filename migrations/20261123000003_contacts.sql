-- Companies and contacts. Owners reference memberships, so an owner is
-- always a member of the same organization; removing the member leaves the
-- record with no owner (ON DELETE SET NULL on the owner column only).

CREATE TABLE companies (
    tenant_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    name       text        NOT NULL,
    domain     text,
    phone      text,
    owner_id   uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT companies_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT companies_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT companies_owner_fkey FOREIGN KEY (tenant_id, owner_id)
        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id)
);
CREATE UNIQUE INDEX companies_domain_key ON companies (tenant_id, lower(domain)) WHERE domain IS NOT NULL;
CREATE INDEX companies_created_idx ON companies (tenant_id, created_at, id);
CREATE INDEX companies_name_idx ON companies (tenant_id, name, id);
CREATE INDEX companies_owner_idx ON companies (tenant_id, owner_id);
CREATE INDEX companies_search_trgm ON companies USING gin (lower(name || ' ' || coalesce(domain, '')) gin_trgm_ops);

CREATE TABLE contacts (
    tenant_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    first_name text        NOT NULL,
    last_name  text        NOT NULL,
    email      text,
    phone      text,
    title      text,
    company_id uuid,
    owner_id   uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- One lower-cased text for prefix and contains search.
    search_text text GENERATED ALWAYS AS (lower(first_name || ' ' || last_name || ' ' || coalesce(email, ''))) STORED,
    CONSTRAINT contacts_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT contacts_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT contacts_company_fkey FOREIGN KEY (tenant_id, company_id)
        REFERENCES companies (tenant_id, id) ON DELETE SET NULL (company_id),
    CONSTRAINT contacts_owner_fkey FOREIGN KEY (tenant_id, owner_id)
        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id)
);
CREATE UNIQUE INDEX contacts_email_key ON contacts (tenant_id, lower(email)) WHERE email IS NOT NULL;
CREATE INDEX contacts_created_idx ON contacts (tenant_id, created_at, id);
CREATE INDEX contacts_updated_idx ON contacts (tenant_id, updated_at, id);
CREATE INDEX contacts_last_name_idx ON contacts (tenant_id, last_name, id);
CREATE INDEX contacts_first_name_idx ON contacts (tenant_id, first_name, id);
CREATE INDEX contacts_company_idx ON contacts (tenant_id, company_id);
CREATE INDEX contacts_owner_idx ON contacts (tenant_id, owner_id);
-- Prefix search: a btree range on the lower-cased text.
CREATE INDEX contacts_search_prefix_idx ON contacts (tenant_id, search_text text_pattern_ops);
CREATE INDEX contacts_last_name_prefix_idx ON contacts (tenant_id, lower(last_name) text_pattern_ops);
CREATE INDEX contacts_email_prefix_idx ON contacts (tenant_id, lower(email) text_pattern_ops);
-- Contains search.
CREATE INDEX contacts_search_trgm ON contacts USING gin (search_text gin_trgm_ops);

GRANT SELECT, INSERT, UPDATE, DELETE ON companies, contacts TO clearview_app;
