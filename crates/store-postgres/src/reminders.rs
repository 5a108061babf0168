//! Task reminders (ADR 0028): the due ones are claimed across tenants by
//! `claim_due_reminders()` (migration 20261206000002) and their e-mails
//! queued in the same transaction, so a reminder is either marked sent with
//! its e-mail in the outbox or neither — never lost, never sent twice.

use crate::db::PgStore;
use crate::jobs::enqueue_email;
use chrono::{DateTime, Utc};
use clearview_kernel::mail::Email;
use uuid::Uuid;

/// A reminder whose time has come, with what its e-mail needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueReminder {
    pub tenant_id: Uuid,
    pub activity_id: Uuid,
    pub subject: String,
    pub due_at: Option<DateTime<Utc>>,
    pub remind_at: DateTime<Utc>,
    pub owner_email: String,
    pub owner_name: String,
    pub organization_name: String,
}

impl PgStore {
    /// Claims up to `limit` due reminders and queues the e-mail `render`
    /// makes of each, in one transaction; answers `{"reminders": n}` (the
    /// schedule's record, as `purge_expired` answers its counts).
    pub async fn queue_due_reminders(
        &self,
        limit: i32,
        render: impl Fn(&DueReminder) -> Email,
    ) -> Result<serde_json::Value, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let due: Vec<DueReminder> = sqlx::query_as(
            "SELECT tenant_id, activity_id, subject, due_at, remind_at, owner_email, owner_name, organization_name \
             FROM claim_due_reminders($1)",
        )
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        for reminder in &due {
            // The outbox is tenant data: each e-mail is written as its tenant.
            sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
                .bind(reminder.tenant_id.to_string())
                .execute(&mut *tx)
                .await?;
            enqueue_email(&mut tx, reminder.tenant_id, &render(reminder), &self.outbox_key).await?;
        }
        tx.commit().await?;
        Ok(serde_json::json!({ "reminders": due.len() }))
    }
}
