-- Outgoing webhooks (issue 11, ADR 0026). A subscription names a URL and
-- the event types it wants; its signing secret is sealed at rest with the
-- outbox key (the application seals and opens it). A rotated secret stays
-- valid for 24 hours beside the new one (`previous_secret` until
-- `previous_until`); a subscription whose endpoint keeps failing is
-- disabled (`disabled_at`) until an admin turns it on again, and gets no
-- new deliveries meanwhile. Events are written by
-- triggers in the same transaction as the change that causes them, so an
-- event is never lost and never sent for a rolled-back change: each
-- matching subscription gets a delivery row and a `deliver_webhook` job.
CREATE TABLE webhooks (
    tenant_id      uuid        NOT NULL,
    id             uuid        NOT NULL,
    url            text        NOT NULL,
    events         text[]      NOT NULL,
    secret         jsonb       NOT NULL,
    previous_secret jsonb,
    previous_until timestamptz,
    failure_streak integer     NOT NULL DEFAULT 0,
    disabled_at    timestamptz,
    created_by     uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhooks_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT webhooks_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES organizations (tenant_id) ON DELETE CASCADE,
    CONSTRAINT webhooks_creator_fkey FOREIGN KEY (tenant_id, created_by)
        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (created_by),
    CONSTRAINT webhooks_url_check CHECK (char_length(url) BETWEEN 1 AND 2000),
    CONSTRAINT webhooks_events_check CHECK (
        cardinality(events) > 0 AND events <@ ARRAY[
            'contact.created', 'contact.updated', 'contact.deleted',
            'company.created', 'company.updated', 'company.deleted',
            'deal.created', 'deal.updated', 'deal.deleted',
            'deal.stage_changed', 'deal.won', 'deal.lost',
            'activity.created', 'import.finished'])
);

CREATE TABLE webhook_deliveries (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL,
    webhook_id      uuid        NOT NULL,
    event_type      text        NOT NULL,
    -- The whole signed body: {"type", "timestamp", "data"}.
    payload         jsonb       NOT NULL,
    state           text        NOT NULL DEFAULT 'pending',
    attempts        integer     NOT NULL DEFAULT 0,
    response_code   integer,
    latency_ms      integer,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    delivered_at    timestamptz,
    CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT webhook_deliveries_webhook_fkey FOREIGN KEY (tenant_id, webhook_id)
        REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT webhook_deliveries_state_check CHECK (state IN ('pending', 'delivered', 'failed'))
);
CREATE INDEX webhook_deliveries_list_idx ON webhook_deliveries (tenant_id, webhook_id, created_at DESC, id DESC);

SELECT isolate_tenant_table(t) FROM unnest(ARRAY['webhooks', 'webhook_deliveries']::regclass[]) AS t;
GRANT SELECT, INSERT, UPDATE, DELETE ON webhooks, webhook_deliveries TO clearview_app;

-- Queues one event for every subscription of the tenant that wants it.
-- Runs as the caller: RLS keeps it to the tenant the transaction is bound
-- to (a change made with no tenant set, such as an erasure's cascade,
-- notifies no one).
CREATE FUNCTION emit_webhook_event(p_tenant uuid, p_type text, p_data jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    hook record;
    delivery uuid;
BEGIN
    FOR hook IN SELECT id FROM webhooks
                WHERE tenant_id = p_tenant AND disabled_at IS NULL AND p_type = ANY (events) LOOP
        delivery := gen_random_uuid();
        INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_type, payload)
        VALUES (p_tenant, delivery, hook.id, p_type,
                jsonb_build_object('type', p_type,
                                   'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                                   'data', p_data));
        -- 8 attempts: the first and one per step of the retry schedule
        -- (tenancy::webhooks::RETRY_SCHEDULE; redelivery uses the same).
        INSERT INTO jobs (tenant_id, id, kind, payload, max_attempts)
        VALUES (p_tenant, gen_random_uuid(), 'deliver_webhook', jsonb_build_object('delivery_id', delivery), 8);
        PERFORM pg_notify('clearview_jobs', '');
    END LOOP;
END;
$$;

-- Record events. A bulk change (a CSV import or its undo sets
-- `app.bulk_change`) sends `import.finished` instead of one event per row.
CREATE FUNCTION webhook_record_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    row_data jsonb;
    tenant uuid;
    object text := CASE TG_TABLE_NAME
        WHEN 'contacts' THEN 'contact' WHEN 'companies' THEN 'company'
        WHEN 'deals' THEN 'deal' ELSE 'activity' END;
    verb text := CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END;
    old_kind text;
    new_kind text;
BEGIN
    IF current_setting('app.bulk_change', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        row_data := to_jsonb(OLD);
        tenant := OLD.tenant_id;
    ELSE
        row_data := to_jsonb(NEW);
        tenant := NEW.tenant_id;
    END IF;
    -- The common case, no subscription: one index probe and out.
    IF NOT EXISTS (SELECT 1 FROM webhooks WHERE tenant_id = tenant) THEN
        RETURN NULL;
    END IF;
    row_data := row_data - 'tenant_id' - 'search_text';
    -- Money as exact decimal text, as the API writes it (a JSON number
    -- would be read as a float by most receivers).
    IF TG_TABLE_NAME = 'deals' THEN
        row_data := jsonb_set(row_data, '{amount}', to_jsonb((row_data ->> 'amount')));
    END IF;
    PERFORM emit_webhook_event(tenant, object || '.' || verb, row_data);
    -- Nested: PL/pgSQL does not short-circuit, and only deals have stages.
    IF TG_TABLE_NAME = 'deals' AND TG_OP = 'UPDATE' THEN
        IF OLD.stage_id IS DISTINCT FROM NEW.stage_id THEN
            SELECT kind INTO old_kind FROM pipeline_stages WHERE tenant_id = tenant AND id = OLD.stage_id;
            SELECT kind INTO new_kind FROM pipeline_stages WHERE tenant_id = tenant AND id = NEW.stage_id;
            PERFORM emit_webhook_event(tenant, 'deal.stage_changed',
                row_data || jsonb_build_object('previous_stage_id', OLD.stage_id));
            IF new_kind IN ('won', 'lost') AND new_kind IS DISTINCT FROM old_kind THEN
                PERFORM emit_webhook_event(tenant, 'deal.' || new_kind, row_data);
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER webhook_events AFTER INSERT OR UPDATE OR DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION webhook_record_event();
CREATE TRIGGER webhook_events AFTER INSERT OR UPDATE OR DELETE ON companies
    FOR EACH ROW EXECUTE FUNCTION webhook_record_event();
CREATE TRIGGER webhook_events AFTER INSERT OR UPDATE OR DELETE ON deals
    FOR EACH ROW EXECUTE FUNCTION webhook_record_event();
CREATE TRIGGER webhook_events AFTER INSERT ON activities
    FOR EACH ROW EXECUTE FUNCTION webhook_record_event();

CREATE FUNCTION webhook_import_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'done' AND OLD.status IS DISTINCT FROM 'done'
       AND EXISTS (SELECT 1 FROM webhooks WHERE tenant_id = NEW.tenant_id) THEN
        PERFORM emit_webhook_event(NEW.tenant_id, 'import.finished',
            jsonb_build_object('id', NEW.id, 'status', NEW.status, 'processed_rows', NEW.processed_rows,
                               'created', NEW.created, 'updated', NEW.updated, 'skipped', NEW.skipped,
                               'failed', NEW.failed, 'finished_at', NEW.finished_at));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER webhook_events AFTER UPDATE OF status ON imports
    FOR EACH ROW EXECUTE FUNCTION webhook_import_event();
