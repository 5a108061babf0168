-- API keys (issue 11, ADR 0025): an organization's credentials for
-- integrations. Only the SHA-256 of the secret is stored, with a short
-- hint to recognise it. A key acts as the admin who made it; when that
-- membership goes, the key's `created_by` is cleared and it stops working.
-- Revoked keys stay (the audit trail names them) but never authenticate.
CREATE TABLE api_keys (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    name         text        NOT NULL,
    role         text        NOT NULL,
    scope        text        NOT NULL,
    hint         text        NOT NULL,
    secret_hash  bytea       NOT NULL,
    created_by   uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CONSTRAINT api_keys_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT api_keys_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT api_keys_creator_fkey FOREIGN KEY (tenant_id, created_by)
        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (created_by),
    CONSTRAINT api_keys_secret_key UNIQUE (tenant_id, secret_hash),
    CONSTRAINT api_keys_name_check CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'manager', 'rep', 'viewer')),
    CONSTRAINT api_keys_scope_check CHECK (scope IN ('read', 'write'))
);

SELECT isolate_tenant_table('api_keys'::regclass);

GRANT SELECT, INSERT, UPDATE, DELETE ON api_keys TO clearview_app;
