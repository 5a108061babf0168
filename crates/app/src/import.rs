//! The `import_contacts` job (ADR 0014): reads an upload's chunks in order
//! as one byte stream through the `csv` reader, maps and validates each row
//! with the rules of `POST /api/contacts`, drops later duplicates of an
//! email within the file, and writes batches — each one transaction that
//! also advances the progress counters. A retried job resumes after the
//! last committed batch: rows before it are re-read only to rebuild the
//! in-file duplicate set, never written again.
//!
//! Parsing is synchronous (`csv` reads `std::io::Read`), so the job runs on
//! a blocking thread and reaches the database through the runtime handle.

use clearview_contacts::{ColumnMapping, ImportField, ImportRowError, MappedColumns, map_row};
use clearview_kernel::TenantId;
use clearview_kernel::queue::{ClaimedJob, JobQueue};
use clearview_store_postgres::{ImportBatch, ImportJob, PgStore};
use clearview_tenancy::{AuditEntry, AuditLog, RequestOrigin, actions};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use std::time::Duration;
use tokio::runtime::Handle;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct ImportSettings {
    /// Rows written per transaction.
    pub batch_rows: usize,
    /// Files with more data rows fail (`IMPORT_MAX_ROWS`).
    pub max_rows: i64,
}

/// The job being run and its lease, renewed as the import makes progress.
struct Lease<'a> {
    job: &'a ClaimedJob,
    worker: &'a str,
    length: Duration,
}

impl Lease<'_> {
    fn renew(&self, store: &PgStore, handle: &Handle) -> Result<(), Failure> {
        match handle.block_on(store.extend_lease(self.job, self.worker, self.length)) {
            Ok(true) => Ok(()),
            Ok(false) => Err(Failure::Retry("lost the job's lease".into())),
            Err(err) => Err(Failure::Retry(err.to_string())),
        }
    }
}

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
    let Some(import) = store.import_job(job.tenant_id, id).await.map_err(|e| e.to_string())? else {
        return Ok(()); // deleted with its organization
    };
    if !matches!(import.status.as_str(), "uploaded" | "processing") {
        return Ok(()); // already finished by an earlier attempt
    }
    let (store2, settings2) = (store.clone(), settings.clone());
    let import2 = import.clone();
    let handle = Handle::current();
    let (job2, worker2) = (job.clone(), worker.to_owned());
    let outcome = tokio::task::spawn_blocking(move || {
        let lease = Lease {
            job: &job2,
            worker: &worker2,
            length: lease,
        };
        process(&store2, &handle, import2, &settings2, &lease)
    })
    .await
    .map_err(|e| format!("the import task panicked: {e}"))?;
    let error = match outcome {
        Ok(()) => None,
        Err(Failure::Final(message)) => Some(message),
        Err(Failure::Retry(message)) => {
            if job.attempts < job.max_attempts {
                return Err(message);
            }
            Some(format!("the import stopped after {} attempts: {message}", job.attempts))
        }
    };
    let counts = store
        .import_finished(job.tenant_id, id, error.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    let mut entry = AuditEntry::new(actions::CONTACTS_IMPORTED, &RequestOrigin::default())
        .target("import", id)
        .detail("status", if error.is_none() { "done" } else { "failed" })
        .detail("created", counts.created.to_string())
        .detail("updated", counts.updated.to_string())
        .detail("skipped", counts.skipped.to_string())
        .detail("failed", counts.failed.to_string());
    if error.is_some() {
        entry = entry.detail("error", "see the import");
    }
    let actor = import.created_by.map(clearview_kernel::UserId::from_uuid);
    if let Err(err) = store.record(job.tenant_id, actor, &entry).await {
        tracing::error!(import_id = %id, error = %err, "could not record the import's audit entry");
    }
    Ok(())
}

enum Failure {
    /// The file itself is wrong: retrying changes nothing.
    Final(String),
    /// The database failed: the job is retried and resumes.
    Retry(String),
}

/// The chunks of an upload as one `Read`, fetched one at a time.
struct ChunkReader<'a> {
    lease: &'a Lease<'a>,
    store: &'a PgStore,
    handle: &'a Handle,
    tenant: TenantId,
    id: Uuid,
    seq: i32,
    chunk: Vec<u8>,
    pos: usize,
}

impl Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.chunk.len() {
            if let Err(Failure::Retry(message) | Failure::Final(message)) = self.lease.renew(self.store, self.handle) {
                return Err(std::io::Error::other(message));
            }
            let next = self
                .handle
                .block_on(self.store.import_chunk(self.tenant, self.id, self.seq))
                .map_err(std::io::Error::other)?;
            match next {
                None => return Ok(0),
                Some(data) => {
                    self.chunk = data;
                    self.pos = 0;
                    self.seq += 1;
                }
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn reader<'a>(
    store: &'a PgStore,
    handle: &'a Handle,
    lease: &'a Lease<'a>,
    import: &ImportJob,
) -> csv::Reader<ChunkReader<'a>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(ChunkReader {
            lease,
            store,
            handle,
            tenant: import.tenant_id,
            id: import.id,
            seq: 0,
            chunk: Vec::new(),
            pos: 0,
        })
}

/// A header cell as compared with a mapping: trimmed, without a BOM.
pub fn header_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .trim_start_matches('\u{feff}')
        .trim()
        .to_owned()
}

fn read_error(err: csv::Error) -> Failure {
    match err.kind() {
        csv::ErrorKind::Io(_) => Failure::Retry(err.to_string()),
        _ => Failure::Final(format!("the file is not valid CSV: {err}")),
    }
}

/// A 128-bit digest of a lower-cased email: the in-file duplicate set holds
/// these, not the addresses, so a million rows stay within a few MiB.
fn email_key(normalized: &str) -> u128 {
    let digest = Sha256::digest(normalized.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(bytes)
}

fn process(
    store: &PgStore,
    handle: &Handle,
    import: ImportJob,
    settings: &ImportSettings,
    lease: &Lease<'_>,
) -> Result<(), Failure> {
    // First pass (first attempt only): count the rows, so the limit is
    // enforced before anything is written and progress has a total.
    if import.total_rows.is_none() {
        let mut csv = reader(store, handle, lease, &import);
        let mut record = csv::ByteRecord::new();
        let mut rows: i64 = -1; // the header
        while csv.read_byte_record(&mut record).map_err(read_error)? {
            rows += 1;
            if rows > settings.max_rows {
                return Err(Failure::Final(format!(
                    "the file has more than {} rows, the most one import takes (IMPORT_MAX_ROWS)",
                    settings.max_rows
                )));
            }
        }
        if rows < 0 {
            return Err(Failure::Final("the file is empty: it needs a header row".into()));
        }
        handle
            .block_on(store.import_started(import.tenant_id, import.id, rows))
            .map_err(|e| Failure::Retry(e.to_string()))?;
    }

    let mut csv = reader(store, handle, lease, &import);
    let mut record = csv::ByteRecord::new();
    if !csv.read_byte_record(&mut record).map_err(read_error)? {
        return Err(Failure::Final("the file is empty: it needs a header row".into()));
    }
    let headers: Vec<String> = record.iter().map(header_name).collect();
    let mapping = ColumnMapping {
        columns: import
            .mapping
            .iter()
            .filter_map(|(column, field)| Some((column.clone(), field.parse::<ImportField>().ok()?)))
            .collect(),
    };
    let mapped: MappedColumns = mapping.fit(&headers).map_err(Failure::Final)?;
    let mut seen: HashSet<u128> = HashSet::new();
    let mut batch = new_batch(&mapped, import.processed_rows);
    let mut row_number: i64 = 0;
    while csv.read_byte_record(&mut record).map_err(read_error)? {
        row_number += 1;
        let replay = row_number <= import.processed_rows;
        let text = csv::StringRecord::from_byte_record(record.clone());
        let outcome = match &text {
            Ok(text) => map_row(&mapped, |i| text.get(i)).map_err(|errors| {
                errors
                    .fields()
                    .iter()
                    .map(|e| (e.field.clone(), e.message.clone()))
                    .collect::<Vec<_>>()
            }),
            Err(_) => Err(vec![("row".to_owned(), "is not valid UTF-8".to_owned())]),
        };
        let outcome = outcome.and_then(|row| match &row.contact.email {
            Some(email) if !seen.insert(email_key(&email.normalized())) => Err(vec![(
                "email".to_owned(),
                "appears on an earlier row of this file".to_owned(),
            )]),
            _ => Ok(row),
        });
        if replay {
            continue; // written by an earlier attempt
        }
        match outcome {
            Ok(row) => batch.rows.push((row_number, row)),
            Err(errors) => {
                batch.failed_rows += 1;
                batch
                    .errors
                    .extend(errors.into_iter().map(|(field, message)| ImportRowError {
                        row_number,
                        field,
                        message,
                    }));
            }
        }
        if row_number - batch.processed_before >= settings.batch_rows as i64 {
            batch.processed_after = row_number;
            commit(store, handle, &import, &batch)?;
            batch = new_batch(&mapped, row_number);
            lease.renew(store, handle)?;
        }
    }
    if row_number > batch.processed_before {
        batch.processed_after = row_number;
        commit(store, handle, &import, &batch)?;
    }
    Ok(())
}

/// Commits one batch and counts its rows (`rate()` of the counter is the
/// import speed in rows per second).
fn commit(
    store: &PgStore,
    handle: &tokio::runtime::Handle,
    import: &ImportJob,
    batch: &ImportBatch,
) -> Result<(), Failure> {
    handle
        .block_on(store.import_batch(import, batch))
        .map_err(Failure::Retry)?;
    let rows = (batch.processed_after - batch.processed_before).max(0) as u64;
    metrics::counter!("clearview_import_rows_total").increment(rows);
    Ok(())
}

fn new_batch(mapped: &MappedColumns, processed_before: i64) -> ImportBatch {
    ImportBatch {
        processed_before,
        processed_after: processed_before,
        rows: Vec::new(),
        errors: Vec::new(),
        failed_rows: 0,
        maps_phone: mapped.has(ImportField::Phone),
        maps_title: mapped.has(ImportField::Title),
        maps_company: mapped.has(ImportField::Company) || mapped.has(ImportField::CompanyDomain),
    }
}
