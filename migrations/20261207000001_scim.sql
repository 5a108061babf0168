-- SCIM 2.0 provisioning (issue 11, ADR 0036). The identity provider's
-- directory of an organization: its users (a user may outlive its
-- membership: a deactivated user is still read back) and its groups (a
-- group named after a role grants it). One token per organization; only
-- its SHA-256 is stored.
CREATE TABLE scim_tokens (
    tenant_id    uuid        NOT NULL,
    token_hash   bytea       NOT NULL,
    hint         text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    CONSTRAINT scim_tokens_pkey PRIMARY KEY (tenant_id),
    CONSTRAINT scim_tokens_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE
);

CREATE TABLE scim_users (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    -- The identity whose membership this user drives, once it had an
    -- address; kept when the membership goes (deactivation), so coming
    -- back restores the same person.
    user_id      uuid,
    user_name    text        NOT NULL,
    external_id  text,
    display_name text,
    -- {"formatted", "familyName", "givenName"} as the provider sent them.
    name         jsonb,
    -- [{"value", "type", "primary"}] as the provider sent them.
    emails       jsonb       NOT NULL DEFAULT '[]',
    active       boolean,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      bigint      NOT NULL DEFAULT 1,
    CONSTRAINT scim_users_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT scim_users_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT scim_users_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT scim_users_emails_check CHECK (jsonb_typeof(emails) = 'array')
);
CREATE UNIQUE INDEX scim_users_user_name_key ON scim_users (tenant_id, lower(user_name));
CREATE UNIQUE INDEX scim_users_user_key ON scim_users (tenant_id, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX scim_users_order_idx ON scim_users (tenant_id, created_at, id);
CREATE INDEX scim_users_external_idx ON scim_users (tenant_id, lower(external_id));

CREATE TABLE scim_groups (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    display_name text        NOT NULL,
    external_id  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      bigint      NOT NULL DEFAULT 1,
    CONSTRAINT scim_groups_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT scim_groups_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE
);
CREATE INDEX scim_groups_order_idx ON scim_groups (tenant_id, created_at, id);

CREATE TABLE scim_group_members (
    tenant_id uuid NOT NULL,
    group_id  uuid NOT NULL,
    user_id   uuid NOT NULL,
    position  int  NOT NULL,
    CONSTRAINT scim_group_members_pkey PRIMARY KEY (tenant_id, group_id, user_id),
    CONSTRAINT scim_group_members_group_fkey FOREIGN KEY (tenant_id, group_id)
        REFERENCES scim_groups (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT scim_group_members_user_fkey FOREIGN KEY (tenant_id, user_id)
        REFERENCES scim_users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX scim_group_members_user_idx ON scim_group_members (tenant_id, user_id);

SELECT isolate_tenant_table('scim_tokens'::regclass);
SELECT isolate_tenant_table('scim_users'::regclass);
SELECT isolate_tenant_table('scim_groups'::regclass);
SELECT isolate_tenant_table('scim_group_members'::regclass);

GRANT SELECT, INSERT, UPDATE, DELETE ON scim_tokens, scim_users, scim_groups, scim_group_members TO clearview_app;
