//! Running an import: the use case behind the `import_contacts` job
//! (ADR 0014). It reads an upload's chunks in order as one byte stream
//! through the `csv` reader, maps and validates each row with the rules of
//! `POST /api/contacts`, drops later duplicates of an e-mail within the
//! file, and hands batches to storage — each one transaction that also
//! advances the progress counters. A retried run resumes after the last
//! committed batch: rows before it are re-read only to rebuild the in-file
//! duplicate set, never written again.
//!
//! Parsing is synchronous (`csv` reads `std::io::Read`), so the runner and
//! its port are synchronous: the worker calls it on a blocking thread and
//! its adapter reaches the database from there.

use crate::import::{ColumnMapping, ImportField, ImportMode, ImportRow, ImportRowError, MappedColumns, map_row};
use clearview_kernel::TenantId;
use clearview_kernel::custom_fields::{FieldDefinition, custom_field_key};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use uuid::Uuid;

/// Limits of one run.
#[derive(Debug, Clone)]
pub struct ImportSettings {
    /// Rows written per transaction.
    pub batch_rows: usize,
    /// Files with more data rows fail (`IMPORT_MAX_ROWS`).
    pub max_rows: i64,
}

/// An import as its job sees it.
#[derive(Debug, Clone)]
pub struct ImportJob {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub created_by: Option<Uuid>,
    pub status: String,
    pub mode: ImportMode,
    pub create_companies: bool,
    /// `(header, field)` pairs; a custom field as `cf.<key>`.
    pub mapping: Vec<(String, String)>,
    /// The organization's contact custom fields, read when the run starts.
    pub custom_fields: Vec<FieldDefinition>,
    /// Set by the first run's counting pass.
    pub total_rows: Option<i64>,
    /// Data rows of the file already committed by earlier runs.
    pub processed_rows: i64,
}

impl ImportJob {
    /// Still to run: not finished by an earlier attempt.
    pub fn is_pending(&self) -> bool {
        matches!(self.status.as_str(), "uploaded" | "processing")
    }
}

/// One batch: rows `processed_before + 1 ..= processed_after` of the file.
#[derive(Debug, Clone)]
pub struct ImportBatch {
    pub processed_before: i64,
    pub processed_after: i64,
    /// Valid rows with their row numbers.
    pub rows: Vec<(i64, ImportRow)>,
    pub errors: Vec<ImportRowError>,
    /// Rows that failed (each may have several errors).
    pub failed_rows: i64,
    /// Which optional fields the mapping fills (updates change only those).
    pub maps_phone: bool,
    pub maps_title: bool,
    pub maps_company: bool,
    /// Whether any column fills a custom field (updates merge those keys).
    pub maps_custom: bool,
}

/// Storage (or the lease) failed; the job is retried and resumes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ImportStorageError(pub String);

/// What a run needs from storage and from its job's lease, called from the
/// blocking thread the runner parses on.
pub trait ImportRunPort {
    /// Chunk `seq` (from 0) of the upload, or `None` past the end.
    fn chunk(&self, seq: i32) -> Result<Option<Vec<u8>>, ImportStorageError>;
    /// Records the file's data row count (the first run only).
    fn started(&self, total_rows: i64) -> Result<(), ImportStorageError>;
    /// Writes one batch in one transaction, refusing it unless the stored
    /// progress is `batch.processed_before` (the fence against a second
    /// runner).
    fn write_batch(&self, batch: &ImportBatch) -> Result<(), ImportStorageError>;
    /// Extends the job's lease; an error means another worker took it over.
    fn renew_lease(&self) -> Result<(), ImportStorageError>;
}

/// Why a run stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportFailure {
    /// The file itself is wrong: retrying changes nothing.
    #[error("{0}")]
    Final(String),
    /// Storage failed: the job is retried and resumes.
    #[error("{0}")]
    Retry(String),
}

impl From<ImportStorageError> for ImportFailure {
    fn from(err: ImportStorageError) -> Self {
        ImportFailure::Retry(err.0)
    }
}

/// Runs (or resumes) one import to its end.
pub fn run_import(port: &dyn ImportRunPort, job: &ImportJob, settings: &ImportSettings) -> Result<(), ImportFailure> {
    // First pass (first run only): count the rows, so the limit is enforced
    // before anything is written and progress has a total.
    if job.total_rows.is_none() {
        let mut csv = reader(port);
        let mut record = csv::ByteRecord::new();
        let mut rows: i64 = -1; // the header
        while csv.read_byte_record(&mut record).map_err(read_error)? {
            rows += 1;
            if rows > settings.max_rows {
                return Err(ImportFailure::Final(format!(
                    "the file has more than {} rows, the most one import takes (IMPORT_MAX_ROWS)",
                    settings.max_rows
                )));
            }
        }
        if rows < 0 {
            return Err(empty_file());
        }
        port.started(rows)?;
    }

    let mut csv = reader(port);
    let mut record = csv::ByteRecord::new();
    if !csv.read_byte_record(&mut record).map_err(read_error)? {
        return Err(empty_file());
    }
    let headers: Vec<String> = record.iter().map(header_name).collect();
    let mapping = ColumnMapping {
        columns: job
            .mapping
            .iter()
            .filter_map(|(column, field)| Some((column.clone(), field.parse::<ImportField>().ok()?)))
            .collect(),
        custom: job
            .mapping
            .iter()
            .filter_map(|(column, field)| Some((column.clone(), custom_field_key(field)?.to_owned())))
            .collect(),
    };
    let mapped: MappedColumns = mapping.fit(&headers).map_err(ImportFailure::Final)?;
    let mut seen: HashSet<u128> = HashSet::new();
    let mut batch = new_batch(&mapped, job.processed_rows);
    let mut row_number: i64 = 0;
    while csv.read_byte_record(&mut record).map_err(read_error)? {
        row_number += 1;
        let outcome = check_row(&mapped, &job.custom_fields, &record, &mut seen);
        if row_number <= job.processed_rows {
            continue; // written by an earlier run; read only for `seen`
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
            port.write_batch(&batch)?;
            batch = new_batch(&mapped, row_number);
            port.renew_lease()?;
        }
    }
    if row_number > batch.processed_before {
        batch.processed_after = row_number;
        port.write_batch(&batch)?;
    }
    Ok(())
}

/// One data row: mapped and validated, or its errors by field. A later
/// row with an e-mail seen earlier in the file is an error.
fn check_row(
    mapped: &MappedColumns,
    fields: &[FieldDefinition],
    record: &csv::ByteRecord,
    seen: &mut HashSet<u128>,
) -> Result<ImportRow, Vec<(String, String)>> {
    let text = csv::StringRecord::from_byte_record(record.clone())
        .map_err(|_| vec![("row".to_owned(), "is not valid UTF-8".to_owned())])?;
    let row = map_row(mapped, fields, |i| text.get(i)).map_err(|errors| {
        errors
            .fields()
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect::<Vec<_>>()
    })?;
    match &row.contact.email {
        Some(email) if !seen.insert(email_key(&email.normalized())) => Err(vec![(
            "email".to_owned(),
            "appears on an earlier row of this file".to_owned(),
        )]),
        _ => Ok(row),
    }
}

fn empty_file() -> ImportFailure {
    ImportFailure::Final("the file is empty: it needs a header row".into())
}

/// The chunks of an upload as one `Read`, fetched one at a time; the lease
/// is renewed before each.
struct ChunkReader<'a> {
    port: &'a dyn ImportRunPort,
    seq: i32,
    chunk: Vec<u8>,
    pos: usize,
}

impl Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.chunk.len() {
            self.port.renew_lease().map_err(std::io::Error::other)?;
            match self.port.chunk(self.seq).map_err(std::io::Error::other)? {
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

fn reader(port: &dyn ImportRunPort) -> csv::Reader<ChunkReader<'_>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(ChunkReader {
            port,
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

/// An I/O error is the port failing (retry); anything else is the file.
fn read_error(err: csv::Error) -> ImportFailure {
    match err.kind() {
        csv::ErrorKind::Io(_) => ImportFailure::Retry(err.to_string()),
        _ => ImportFailure::Final(format!("the file is not valid CSV: {err}")),
    }
}

/// A 128-bit digest of a lower-cased e-mail: the in-file duplicate set holds
/// these, not the addresses, so a million rows stay within a few MiB.
fn email_key(normalized: &str) -> u128 {
    let digest = Sha256::digest(normalized.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(bytes)
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
        maps_custom: mapped.has_custom(),
    }
}
