-- Webhooks, continued (ADR 0026): a rotated secret stays valid for 24
-- hours beside the new one (deliveries carry both signatures), and a
-- subscription whose endpoint keeps failing is disabled (its admins get an
-- e-mail) until an admin turns it on again. A disabled subscription gets
-- no new deliveries.
ALTER TABLE webhooks
    ADD COLUMN previous_secret jsonb,
    ADD COLUMN previous_until  timestamptz,
    ADD COLUMN failure_streak  integer NOT NULL DEFAULT 0,
    ADD COLUMN disabled_at     timestamptz;

CREATE OR REPLACE FUNCTION emit_webhook_event(p_tenant uuid, p_type text, p_data jsonb) RETURNS void
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
        INSERT INTO jobs (tenant_id, id, kind, payload, max_attempts)
        VALUES (p_tenant, gen_random_uuid(), 'deliver_webhook', jsonb_build_object('delivery_id', delivery), 8);
        PERFORM pg_notify('clearview_jobs', '');
    END LOOP;
END;
$$;
