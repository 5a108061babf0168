-- Task reminders (issue 12, ADR 0028): a task may carry `remind_at`; its
-- owner is e-mailed once that time has come, by the `send_reminders`
-- schedule through the outbox.
ALTER TABLE activities
    ADD COLUMN remind_at   timestamptz,
    -- When the reminder was queued; NULL while it is still to come. Setting
    -- a new `remind_at` (or snoozing) clears it, so the new time reminds.
    ADD COLUMN reminded_at timestamptz,
    ADD CONSTRAINT activities_remind_check CHECK (kind = 'task' OR remind_at IS NULL);

-- The reminders still to send, in time order, across tenants: what the
-- schedule looks for every half minute.
CREATE INDEX activities_due_reminders_idx ON activities (remind_at)
    WHERE remind_at IS NOT NULL AND reminded_at IS NULL AND NOT done;

-- A reminder is for the person who owns the task when it is set. Moving
-- the task to someone else without setting a new time cancels it (the
-- new owner sets their own); a new time re-arms it.
CREATE FUNCTION rearm_task_reminder() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.remind_at IS DISTINCT FROM OLD.remind_at THEN
        NEW.reminded_at := NULL;
    ELSIF NEW.owner_id IS DISTINCT FROM OLD.owner_id AND OLD.reminded_at IS NULL THEN
        NEW.remind_at := NULL;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER task_reminder BEFORE UPDATE OF remind_at, owner_id ON activities
    FOR EACH ROW EXECUTE FUNCTION rearm_task_reminder();

-- Claims the reminders that are due, across tenants, for the caller's
-- transaction to queue their e-mails in: each is marked sent here, so a
-- rollback (the e-mails not queued) leaves it due, and SKIP LOCKED keeps
-- two overlapping runs from claiming the same one. A task done, without an
-- owner, or whose owner has no membership any more sends nothing.
CREATE FUNCTION claim_due_reminders(p_limit integer)
RETURNS TABLE (tenant_id uuid, activity_id uuid, subject text, due_at timestamptz, remind_at timestamptz,
               owner_email text, owner_name text, organization_name text)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH due AS (
        SELECT a.tenant_id, a.id
        FROM activities a
        WHERE a.remind_at <= now() AND a.reminded_at IS NULL AND NOT a.done
        ORDER BY a.remind_at
        LIMIT p_limit
        FOR UPDATE OF a SKIP LOCKED
    ), claimed AS (
        UPDATE activities a SET reminded_at = now()
        FROM due WHERE a.tenant_id = due.tenant_id AND a.id = due.id
        RETURNING a.tenant_id, a.id, a.subject, a.due_at, a.remind_at, a.owner_id
    )
    SELECT c.tenant_id, c.id, c.subject, c.due_at, c.remind_at, u.email, u.name, o.name
    FROM claimed c
    JOIN memberships m ON m.tenant_id = c.tenant_id AND m.user_id = c.owner_id
    JOIN users u ON u.id = m.user_id
    JOIN organizations o ON o.tenant_id = c.tenant_id
$$;
REVOKE ALL ON FUNCTION claim_due_reminders(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION claim_due_reminders(integer) TO clearview_worker;
