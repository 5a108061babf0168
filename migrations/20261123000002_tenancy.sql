-- Organizations (the tenants), global identities, memberships and sessions.
-- Every tenant table: tenant_id first, primary key (tenant_id, id),
-- composite foreign keys, unique constraints that include tenant_id, and RLS
-- enabled + forced with one policy on app.tenant_id (invariant 3).

CREATE TABLE organizations (
    tenant_id        uuid        NOT NULL,
    name             text        NOT NULL,
    rep_visibility   text        NOT NULL DEFAULT 'all',
    default_currency char(3)     NOT NULL DEFAULT 'USD',
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organizations_pkey PRIMARY KEY (tenant_id),
    CONSTRAINT organizations_rep_visibility_check CHECK (rep_visibility IN ('all', 'own')),
    CONSTRAINT organizations_name_check CHECK (length(name) BETWEEN 1 AND 200)
);

-- A person's identity is global: one email, one password, any number of
-- memberships. It is not tenant data, so it has no RLS; the app role reads
-- only what it asks for by id, and the login look-up goes through the
-- narrow function below.
CREATE TABLE users (
    id            uuid        NOT NULL,
    email         text        NOT NULL,
    name          text        NOT NULL,
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE memberships (
    tenant_id  uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    role       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT memberships_pkey PRIMARY KEY (tenant_id, user_id),
    CONSTRAINT memberships_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT memberships_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT memberships_role_check CHECK (role IN ('admin', 'manager', 'rep', 'viewer'))
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

-- One row per sign-in. Its refresh tokens form one rotation family:
-- presenting a rotated token again revokes the whole session.
CREATE TABLE sessions (
    tenant_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    CONSTRAINT sessions_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT sessions_membership_fkey FOREIGN KEY (tenant_id, user_id)
        REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX sessions_revoked_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;

-- Refresh tokens are opaque; only their SHA-256 is stored.
CREATE TABLE refresh_tokens (
    tenant_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    session_id uuid        NOT NULL,
    token_hash bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    rotated_at timestamptz,
    CONSTRAINT refresh_tokens_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT refresh_tokens_hash_key UNIQUE (tenant_id, token_hash),
    CONSTRAINT refresh_tokens_session_fkey FOREIGN KEY (tenant_id, session_id)
        REFERENCES sessions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (tenant_id, session_id);

-- Before a tenant is known, a login must list a person's memberships. This
-- is the only door for that: it returns exactly one identity's memberships,
-- by email, and runs with its owner's rights.
CREATE FUNCTION login_candidates(p_email text)
RETURNS TABLE (user_id uuid, password_hash text, tenant_id uuid, organization_name text, role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.id, u.password_hash, m.tenant_id, o.name, m.role
    FROM users u
    LEFT JOIN memberships m ON m.user_id = u.id
    LEFT JOIN organizations o ON o.tenant_id = m.tenant_id
    WHERE lower(u.email) = lower(p_email)
    ORDER BY o.name, m.tenant_id
$$;

-- Sessions revoked within the access-token lifetime, to re-warm the Redis
-- denylist after Redis lost its data. Returns ids only.
CREATE FUNCTION recently_revoked_sessions(p_since timestamptz)
RETURNS TABLE (session_id uuid, revoked_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT id, revoked_at FROM sessions WHERE revoked_at >= p_since
$$;

REVOKE ALL ON FUNCTION login_candidates(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION recently_revoked_sessions(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION login_candidates(text) TO clearview_app;
GRANT EXECUTE ON FUNCTION recently_revoked_sessions(timestamptz) TO clearview_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON users TO clearview_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, memberships, sessions, refresh_tokens TO clearview_app;
