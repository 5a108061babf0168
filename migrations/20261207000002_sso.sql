-- Single sign-on with OpenID Connect (issue 11, ADR 0037). An
-- organization's identity provider; the client secret is sealed with the
-- outbox key, bound to the organization. Pending sign-ins are found by the
-- digest of their `state`, taken out once, and live ten minutes.
CREATE TABLE sso_settings (
    tenant_id       uuid        NOT NULL,
    issuer          text        NOT NULL,
    client_id       text        NOT NULL,
    client_secret   jsonb       NOT NULL,
    allowed_domains text[]      NOT NULL DEFAULT '{}',
    -- The role of a person who signs in without being a member; NULL:
    -- invitation only.
    default_role    text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sso_settings_pkey PRIMARY KEY (tenant_id),
    CONSTRAINT sso_settings_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT sso_settings_role_check CHECK (default_role IN ('admin', 'manager', 'rep', 'viewer'))
);

CREATE TABLE sso_pending_sign_ins (
    tenant_id     uuid        NOT NULL,
    state_hash    bytea       NOT NULL,
    browser_hash  bytea       NOT NULL,
    nonce         text        NOT NULL,
    pkce_verifier text        NOT NULL,
    expires_at    timestamptz NOT NULL,
    CONSTRAINT sso_pending_sign_ins_pkey PRIMARY KEY (tenant_id, state_hash),
    CONSTRAINT sso_pending_sign_ins_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE
);

SELECT isolate_tenant_table('sso_settings'::regclass);
SELECT isolate_tenant_table('sso_pending_sign_ins'::regclass);

GRANT SELECT, INSERT, UPDATE, DELETE ON sso_settings, sso_pending_sign_ins TO clearview_app;
