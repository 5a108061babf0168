//! The `import_contacts` job's driving adapter: loads the import, runs the
//! contacts use case (`clearview_contacts::run_import`) on a blocking
//! thread with a port over PostgreSQL and the job's lease, then ends the
//! import and records it in the audit log.

use clearview_contacts::{
    ImportBatch, ImportFailure, ImportJob, ImportRunPort, ImportSettings, ImportStorageError, run_import,
};
use clearview_kernel::custom_fields::{CustomEntity, FieldDefinitions};
use clearview_kernel::queue::{ClaimedJob, JobQueue};
use clearview_kernel::{Role, TenantContext, UserId};
use clearview_store_postgres::{ImportCounts, PgStore};
use clearview_tenancy::{AuditEntry, RequestOrigin, actions};
use std::time::Duration;
use tokio::runtime::Handle;
use uuid::Uuid;

/// Runs one attempt of an import job. `Ok` also when the import ended as
/// failed for a reason a retry cannot change (bad file, too many rows).
pub async fn run(
    store: &PgStore,
    job: &ClaimedJob,
    id: Uuid,
    worker: &str,
    lease: Duration,
    settings: &ImportSettings,
) -> Result<(), String> {
    let Some(mut import) = store.import_job(job.tenant_id, id).await.map_err(|e| e.to_string())? else {
        return Ok(()); // deleted with its organization
    };
    if !import.is_pending() {
        return Ok(()); // already finished by an earlier attempt
    }
    // The custom fields as they are now: a row's values are checked like a
    // new contact's (ADR 0034). Only the tenant of the context is read.
    let ctx = TenantContext::new(
        job.tenant_id,
        UserId::from_uuid(import.created_by.unwrap_or_default()),
        Role::Admin,
    );
    import.custom_fields = store
        .definitions(&ctx, CustomEntity::Contact)
        .await
        .map_err(|e| e.to_string())?;
    let port = PgImportPort {
        store: store.clone(),
        handle: Handle::current(),
        job: job.clone(),
        import: import.clone(),
        worker: worker.to_owned(),
        lease,
    };
    let settings = settings.clone();
    let outcome = tokio::task::spawn_blocking(move || run_import(&port, &port.import, &settings))
        .await
        .map_err(|e| format!("the import task panicked: {e}"))?;
    let error = match outcome {
        Ok(()) => None,
        Err(ImportFailure::Final(message)) => Some(message),
        Err(ImportFailure::Retry(message)) => {
            if job.attempts < job.max_attempts {
                return Err(message);
            }
            Some(format!("the import stopped after {} attempts: {message}", job.attempts))
        }
    };
    finish(store, job, &import, error).await
}

/// Marks the import done or failed, drops its upload and records it.
async fn finish(store: &PgStore, job: &ClaimedJob, import: &ImportJob, error: Option<String>) -> Result<(), String> {
    let failed = error.is_some();
    let entry = |counts: ImportCounts| {
        let entry = AuditEntry::new(actions::CONTACTS_IMPORTED, &RequestOrigin::default())
            .target("import", import.id)
            .detail("status", if failed { "failed" } else { "done" })
            .detail("created", counts.created.to_string())
            .detail("updated", counts.updated.to_string())
            .detail("skipped", counts.skipped.to_string())
            .detail("failed", counts.failed.to_string());
        if failed {
            entry.detail("error", "see the import")
        } else {
            entry
        }
    };
    let actor = import.created_by.map(clearview_kernel::UserId::from_uuid);
    store
        .import_finished(job.tenant_id, import.id, error.as_deref(), actor, entry)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// The runner's port: the import's chunks, progress and batches in
/// PostgreSQL, bound to the import's tenant, and the job's lease — reached
/// from the blocking thread through the runtime handle.
struct PgImportPort {
    store: PgStore,
    handle: Handle,
    job: ClaimedJob,
    import: ImportJob,
    worker: String,
    lease: Duration,
}

fn storage(err: impl std::fmt::Display) -> ImportStorageError {
    ImportStorageError(err.to_string())
}

impl ImportRunPort for PgImportPort {
    fn chunk(&self, seq: i32) -> Result<Option<Vec<u8>>, ImportStorageError> {
        self.handle
            .block_on(self.store.import_chunk(self.import.tenant_id, self.import.id, seq))
            .map_err(storage)
    }

    fn started(&self, total_rows: i64) -> Result<(), ImportStorageError> {
        self.handle
            .block_on(
                self.store
                    .import_started(self.import.tenant_id, self.import.id, total_rows),
            )
            .map_err(storage)
    }

    /// Also counts the batch's rows (`rate()` of the counter is the import
    /// speed in rows per second).
    fn write_batch(&self, batch: &ImportBatch) -> Result<(), ImportStorageError> {
        self.handle
            .block_on(self.store.import_batch(&self.import, batch))
            .map_err(storage)?;
        let rows = (batch.processed_after - batch.processed_before).max(0) as u64;
        metrics::counter!("clearview_import_rows_total").increment(rows);
        Ok(())
    }

    fn renew_lease(&self) -> Result<(), ImportStorageError> {
        match self
            .handle
            .block_on(self.store.extend_lease(&self.job, &self.worker, self.lease))
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(ImportStorageError("lost the job's lease".into())),
            Err(err) => Err(storage(err)),
        }
    }
}
