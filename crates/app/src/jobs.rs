//! What each kind of job does: the worker's `JobHandler`, dispatching typed
//! `Work` to its use case — e-mail to `tenancy::MailDelivery`, a CSV import
//! to the import runner (`import.rs`), a webhook attempt to
//! `tenancy::WebhookService::deliver`.

use async_trait::async_trait;
use clearview_contacts::ImportSettings;
use clearview_kernel::queue::{ClaimedJob, JobError, JobHandler, Work};
use clearview_store_postgres::PgStore;
use clearview_tenancy::{MailDelivery, WebhookService};
use std::time::Duration;

pub struct Jobs {
    pub mail: MailDelivery,
    pub webhooks: WebhookService,
    pub store: PgStore,
    /// The lease an import renews after every batch.
    pub lease: Duration,
    pub import: ImportSettings,
}

#[async_trait]
impl JobHandler for Jobs {
    async fn run(&self, job: &ClaimedJob, worker: &str) -> Result<(), JobError> {
        match &job.work {
            Work::SendEmail(email) => self.mail.deliver(email).await.map_err(|e| JobError(e.to_string())),
            Work::ImportContacts { import_id } => {
                crate::import::run(&self.store, job, *import_id, worker, self.lease, &self.import)
                    .await
                    .map_err(JobError)
            }
            Work::DeliverWebhook { delivery_id } => self
                .webhooks
                .deliver(job.tenant_id, *delivery_id, job.attempts, job.max_attempts)
                .await
                .map_err(JobError),
            Work::Unreadable { reason, .. } => Err(JobError(reason.clone())),
        }
    }
}
