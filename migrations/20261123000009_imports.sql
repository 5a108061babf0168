-- CSV import of contacts (ADR 0014). An upload is stored in chunks of at
-- most 1 MiB while the request body streams in, so neither the server nor
-- the worker ever holds a whole file; the worker reads the chunks in order
-- as one byte stream and writes contacts in batches, each batch one
-- transaction that also advances the import's counters, records its row
-- errors and what undo needs.

CREATE TABLE imports (
    tenant_id        uuid        NOT NULL,
    id               uuid        NOT NULL,
    created_by       uuid,
    status           text        NOT NULL DEFAULT 'uploaded',
    mode             text        NOT NULL DEFAULT 'skip',
    create_companies boolean     NOT NULL DEFAULT false,
    mapping          jsonb       NOT NULL,
    total_bytes      bigint      NOT NULL DEFAULT 0,
    total_rows       bigint,
    processed_rows   bigint      NOT NULL DEFAULT 0,
    created          bigint      NOT NULL DEFAULT 0,
    updated          bigint      NOT NULL DEFAULT 0,
    skipped          bigint      NOT NULL DEFAULT 0,
    failed           bigint      NOT NULL DEFAULT 0,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    CONSTRAINT imports_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT imports_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT imports_created_by_fkey FOREIGN KEY (tenant_id, created_by)
        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (created_by),
    CONSTRAINT imports_status_check CHECK (status IN ('uploaded', 'processing', 'done', 'failed', 'undone')),
    CONSTRAINT imports_mode_check CHECK (mode IN ('skip', 'update')),
    CONSTRAINT imports_counts_check CHECK (processed_rows >= 0 AND created >= 0 AND updated >= 0
        AND skipped >= 0 AND failed >= 0)
);
CREATE INDEX imports_created_idx ON imports (tenant_id, created_at, id);

-- The uploaded file, in order. Dropped once the import is finished.
CREATE TABLE import_chunks (
    tenant_id uuid    NOT NULL,
    import_id uuid    NOT NULL,
    seq       integer NOT NULL,
    data      bytea   NOT NULL,
    CONSTRAINT import_chunks_pkey PRIMARY KEY (tenant_id, import_id, seq),
    CONSTRAINT import_chunks_import_fkey FOREIGN KEY (tenant_id, import_id)
        REFERENCES imports (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT import_chunks_size_check CHECK (octet_length(data) <= 1048576)
);

-- One line per bad row and field; row numbers count data rows from 1 (the
-- header is row 0), the way a spreadsheet user counts below the header.
CREATE TABLE import_errors (
    tenant_id  uuid   NOT NULL,
    import_id  uuid   NOT NULL,
    row_number bigint NOT NULL,
    field      text   NOT NULL,
    message    text   NOT NULL,
    CONSTRAINT import_errors_pkey PRIMARY KEY (tenant_id, import_id, row_number, field),
    CONSTRAINT import_errors_import_fkey FOREIGN KEY (tenant_id, import_id)
        REFERENCES imports (tenant_id, id) ON DELETE CASCADE
);

-- What undo needs: every record the import created, and the previous
-- values of every contact it updated. Kept apart from `contacts` so the
-- contacts table and its queries are unchanged.
CREATE TABLE import_changes (
    tenant_id uuid  NOT NULL,
    import_id uuid  NOT NULL,
    entity    text  NOT NULL,
    record_id uuid  NOT NULL,
    action    text  NOT NULL,
    previous  jsonb,
    CONSTRAINT import_changes_pkey PRIMARY KEY (tenant_id, import_id, entity, record_id),
    CONSTRAINT import_changes_import_fkey FOREIGN KEY (tenant_id, import_id)
        REFERENCES imports (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT import_changes_entity_check CHECK (entity IN ('contact', 'company')),
    CONSTRAINT import_changes_action_check CHECK (action IN ('created', 'updated')),
    CONSTRAINT import_changes_previous_check CHECK ((action = 'updated') = (previous IS NOT NULL))
);

SELECT isolate_tenant_table(t)
FROM unnest(ARRAY['imports', 'import_chunks', 'import_errors', 'import_changes']::regclass[]) AS t;

GRANT SELECT, INSERT, UPDATE, DELETE ON imports, import_chunks, import_errors, import_changes TO clearview_app;
