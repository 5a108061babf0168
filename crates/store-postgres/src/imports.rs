//! CSV imports over PostgreSQL (ADR 0014): the upload (chunks written in
//! the transaction that also commits the import and its job), the worker's
//! batches (one transaction each: contacts, companies, row errors, undo
//! information and the progress counters), reports and undo.

use crate::db::PgStore;
use crate::errors::map_err;
use crate::jobs::enqueue_job;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use clearview_contacts::{
    Import, ImportBatch, ImportJob, ImportMode, ImportRepository, ImportRow, ImportRowError, ImportUpload, NewImport,
};
use clearview_kernel::audit::AuditEntry;
use clearview_kernel::{RepoError, TenantContext, TenantId, UserId};
use sqlx::{Postgres, Transaction};
use std::collections::HashMap;
use uuid::Uuid;

/// The job kind that processes an uploaded import.
pub const IMPORT_CONTACTS: &str = clearview_kernel::queue::JobKind::ImportContacts.as_str();
/// Attempts of an import job; a retry resumes after the last committed batch.
pub const IMPORT_MAX_ATTEMPTS: i32 = 3;

type ImportRowTuple = (
    Uuid,
    Option<Uuid>,
    String,
    String,
    bool,
    serde_json::Value,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);
const IMPORT_COLUMNS: &str = "id, created_by, status, mode, create_companies, mapping, total_bytes, total_rows, \
     processed_rows, created, updated, skipped, failed, error, created_at, finished_at";

fn mapping_json(import: &NewImport) -> serde_json::Value {
    serde_json::Value::Array(
        import
            .mapping
            .columns
            .iter()
            .map(|(column, field)| serde_json::json!({"column": column, "field": field.as_str()}))
            .chain(
                import
                    .mapping
                    .custom
                    .iter()
                    .map(|(column, key)| serde_json::json!({"column": column, "field": format!("cf.{key}")})),
            )
            .collect(),
    )
}

fn mapping_pairs(value: &serde_json::Value) -> Vec<(String, String)> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| Some((item["column"].as_str()?.to_owned(), item["field"].as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn import_from(row: ImportRowTuple) -> Import {
    let (
        id,
        created_by,
        status,
        mode,
        create_companies,
        mapping,
        total_bytes,
        total_rows,
        processed_rows,
        created,
        updated,
        skipped,
        failed,
        error,
        created_at,
        finished_at,
    ) = row;
    Import {
        id,
        created_by,
        status,
        mode,
        create_companies,
        mapping: mapping_pairs(&mapping),
        total_bytes,
        total_rows,
        processed_rows,
        created,
        updated,
        skipped,
        failed,
        error,
        created_at,
        finished_at,
    }
}

struct PgUpload {
    tx: Transaction<'static, Postgres>,
    tenant: Uuid,
    id: Uuid,
    seq: i32,
    bytes: i64,
}

#[async_trait]
impl ImportUpload for PgUpload {
    async fn append(&mut self, data: &[u8]) -> Result<(), RepoError> {
        sqlx::query("INSERT INTO import_chunks (tenant_id, import_id, seq, data) VALUES ($1, $2, $3, $4)")
            .bind(self.tenant)
            .bind(self.id)
            .bind(self.seq)
            .bind(data)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        self.seq += 1;
        self.bytes += data.len() as i64;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), RepoError> {
        let mut this = *self;
        sqlx::query("UPDATE imports SET total_bytes = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(this.tenant)
            .bind(this.id)
            .bind(this.bytes)
            .execute(&mut *this.tx)
            .await
            .map_err(map_err)?;
        enqueue_job(
            &mut this.tx,
            this.tenant,
            IMPORT_CONTACTS,
            serde_json::json!({"import_id": this.id}),
            IMPORT_MAX_ATTEMPTS,
        )
        .await
        .map_err(map_err)?;
        this.tx.commit().await.map_err(map_err)
    }
}

#[async_trait]
impl ImportRepository for PgStore {
    async fn begin_upload(&self, ctx: &TenantContext, import: &NewImport) -> Result<Box<dyn ImportUpload>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        sqlx::query(
            "INSERT INTO imports (tenant_id, id, created_by, mode, create_companies, mapping) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(ctx.tenant_id.as_uuid())
        .bind(import.id)
        .bind(ctx.user_id.as_uuid())
        .bind(import.mode.as_str())
        .bind(import.create_companies)
        .bind(mapping_json(import))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        Ok(Box::new(PgUpload {
            tx,
            tenant: ctx.tenant_id.as_uuid(),
            id: import.id,
            seq: 0,
            bytes: 0,
        }))
    }

    async fn get(&self, ctx: &TenantContext, id: Uuid) -> Result<Import, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let row: ImportRowTuple = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {IMPORT_COLUMNS} FROM imports WHERE tenant_id = $1 AND id = $2"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(import_from(row))
    }

    async fn stored_bytes(&self, ctx: &TenantContext) -> Result<u64, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        // octet_length reads a TOASTed value's size from its header only.
        let bytes: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(octet_length(data)), 0)::bigint FROM import_chunks WHERE tenant_id = $1",
        )
        .bind(ctx.tenant_id.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }

    async fn list(&self, ctx: &TenantContext, limit: i64) -> Result<Vec<Import>, RepoError> {
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let rows: Vec<ImportRowTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {IMPORT_COLUMNS} FROM imports WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        )))
        .bind(ctx.tenant_id.as_uuid())
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(rows.into_iter().map(import_from).collect())
    }

    async fn errors(
        &self,
        ctx: &TenantContext,
        id: Uuid,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<ImportRowError>, RepoError> {
        let (after_row, after_field) = after.unwrap_or((-1, String::new()));
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT row_number, field, message FROM import_errors \
             WHERE tenant_id = $1 AND import_id = $2 AND (row_number, field) > ($3, $4) \
             ORDER BY row_number, field LIMIT $5",
        )
        .bind(ctx.tenant_id.as_uuid())
        .bind(id)
        .bind(after_row)
        .bind(after_field)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(rows
            .into_iter()
            .map(|(row_number, field, message)| ImportRowError {
                row_number,
                field,
                message,
            })
            .collect())
    }

    async fn undo(&self, ctx: &TenantContext, id: Uuid, audit: &AuditEntry) -> Result<(Import, i64), RepoError> {
        let tenant = ctx.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(ctx.tenant_id).await.map_err(map_err)?;
        mark_bulk_change(&mut tx).await.map_err(map_err)?;
        let found: Option<(String, Option<chrono::DateTime<chrono::Utc>>)> =
            sqlx::query_as("SELECT status, finished_at FROM imports WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
                .bind(tenant)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
        let finished_at = match found {
            None => return Err(RepoError::NotFound),
            Some((status, Some(finished_at))) if status == "done" => finished_at,
            Some(_) => return Err(RepoError::Conflict("only a finished (done) import can be undone")),
        };
        // A contact changed since the import (edited, or given a deal or an
        // activity) is someone's later work: undo leaves it as it is and
        // counts it.
        let kept: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM import_changes ch JOIN contacts c ON c.tenant_id = ch.tenant_id AND c.id = ch.record_id \
             WHERE ch.tenant_id = $1 AND ch.import_id = $2 AND ch.entity = 'contact' AND (c.updated_at > $3 \
               OR (ch.action = 'created' AND (EXISTS (SELECT 1 FROM activities a WHERE a.tenant_id = $1 AND a.contact_id = c.id) \
                 OR EXISTS (SELECT 1 FROM deal_contacts d WHERE d.tenant_id = $1 AND d.contact_id = c.id))))",
        )
        .bind(tenant)
        .bind(id)
        .bind(finished_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        // Previous values first (they may point at a company this import
        // did not create), then what the import created.
        sqlx::query(
            "UPDATE contacts c SET (first_name, last_name, email, phone, title, company_id, owner_id, \
                 custom_fields, created_at, updated_at) = \
               (p.first_name, p.last_name, p.email, p.phone, p.title, p.company_id, p.owner_id, \
                 p.custom_fields, p.created_at, p.updated_at) \
             FROM import_changes ch CROSS JOIN LATERAL jsonb_populate_record(NULL::contacts, ch.previous) p \
             WHERE ch.tenant_id = $1 AND ch.import_id = $2 AND ch.entity = 'contact' AND ch.action = 'updated' \
               AND c.tenant_id = $1 AND c.id = ch.record_id AND c.updated_at <= $3",
        )
        .bind(tenant)
        .bind(id)
        .bind(finished_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query(
            "DELETE FROM contacts c WHERE c.tenant_id = $1 AND c.id IN (SELECT record_id FROM import_changes \
             WHERE tenant_id = $1 AND import_id = $2 AND entity = 'contact' AND action = 'created') \
             AND c.updated_at <= $3 \
             AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.tenant_id = $1 AND a.contact_id = c.id) \
             AND NOT EXISTS (SELECT 1 FROM deal_contacts d WHERE d.tenant_id = $1 AND d.contact_id = c.id)",
        )
        .bind(tenant)
        .bind(id)
        .bind(finished_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        // A company the import created goes too, unless something else
        // came to use it since.
        sqlx::query(
            "DELETE FROM companies co WHERE co.tenant_id = $1 AND co.id IN (SELECT record_id FROM import_changes \
               WHERE tenant_id = $1 AND import_id = $2 AND entity = 'company' AND action = 'created') \
             AND NOT EXISTS (SELECT 1 FROM contacts x WHERE x.tenant_id = $1 AND x.company_id = co.id) \
             AND NOT EXISTS (SELECT 1 FROM deals x WHERE x.tenant_id = $1 AND x.company_id = co.id) \
             AND NOT EXISTS (SELECT 1 FROM activities x WHERE x.tenant_id = $1 AND x.company_id = co.id)",
        )
        .bind(tenant)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let row: ImportRowTuple = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE imports SET status = 'undone' WHERE tenant_id = $1 AND id = $2 RETURNING {IMPORT_COLUMNS}"
        )))
        .bind(tenant)
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        let entry = audit.clone().detail("kept_changed", kept.to_string());
        crate::audit::append_for(&mut tx, ctx, &entry).await.map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok((import_from(row), kept))
    }
}

type ImportJobRow = (Option<Uuid>, String, String, bool, serde_json::Value, Option<i64>, i64);

/// Counts of one import, for the audit entry.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportCounts {
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
}

impl PgStore {
    pub async fn import_job(&self, tenant: TenantId, id: Uuid) -> Result<Option<ImportJob>, sqlx::Error> {
        let mut tx = self.tenant_tx(tenant).await?;
        let row: Option<ImportJobRow> = sqlx::query_as(
            "SELECT created_by, status, mode, create_companies, mapping, total_rows, processed_rows \
             FROM imports WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant.as_uuid())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.map(
            |(created_by, status, mode, create_companies, mapping, total_rows, processed_rows)| ImportJob {
                tenant_id: tenant,
                id,
                created_by,
                status,
                mode: mode.parse().unwrap_or(ImportMode::Skip),
                create_companies,
                mapping: mapping_pairs(&mapping),
                // Read by the worker before the run (FieldDefinitions).
                custom_fields: Vec::new(),
                total_rows,
                processed_rows,
            },
        ))
    }

    /// Chunk `seq` of an upload, or `None` past the end.
    pub async fn import_chunk(&self, tenant: TenantId, id: Uuid, seq: i32) -> Result<Option<Vec<u8>>, sqlx::Error> {
        let mut tx = self.tenant_tx(tenant).await?;
        let data =
            sqlx::query_scalar("SELECT data FROM import_chunks WHERE tenant_id = $1 AND import_id = $2 AND seq = $3")
                .bind(tenant.as_uuid())
                .bind(id)
                .bind(seq)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(data)
    }

    /// Marks the import as processing with its row count.
    pub async fn import_started(&self, tenant: TenantId, id: Uuid, total_rows: i64) -> Result<(), sqlx::Error> {
        let mut tx = self.tenant_tx(tenant).await?;
        sqlx::query(
            "UPDATE imports SET status = 'processing', total_rows = $3 \
             WHERE tenant_id = $1 AND id = $2 AND status IN ('uploaded', 'processing')",
        )
        .bind(tenant.as_uuid())
        .bind(id)
        .bind(total_rows)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// Ends the import (`done` or `failed` with `error`) and drops its
    /// upload; returns its counts.
    /// Marks the import done (or failed with `error`), drops its chunks and
    /// appends the entry `audit` makes of its counts, as done by `actor`,
    /// in one transaction.
    pub async fn import_finished(
        &self,
        tenant: TenantId,
        id: Uuid,
        error: Option<&str>,
        actor: Option<UserId>,
        audit: impl FnOnce(ImportCounts) -> AuditEntry + Send,
    ) -> Result<ImportCounts, sqlx::Error> {
        let mut tx = self.tenant_tx(tenant).await?;
        let (created, updated, skipped, failed): (i64, i64, i64, i64) = sqlx::query_as(
            "UPDATE imports SET status = CASE WHEN $3::text IS NULL THEN 'done' ELSE 'failed' END, \
                 error = $3, finished_at = now() \
             WHERE tenant_id = $1 AND id = $2 RETURNING created, updated, skipped, failed",
        )
        .bind(tenant.as_uuid())
        .bind(id)
        .bind(error)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM import_chunks WHERE tenant_id = $1 AND import_id = $2")
            .bind(tenant.as_uuid())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let counts = ImportCounts {
            created,
            updated,
            skipped,
            failed,
        };
        crate::audit::append(&mut tx, tenant, actor, &audit(counts)).await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// Writes one batch in one transaction: all of it or nothing.
    pub async fn import_batch(&self, job: &ImportJob, batch: &ImportBatch) -> Result<(), String> {
        self.import_batch_tx(job, batch).await.map_err(|e| e.to_string())
    }

    async fn import_batch_tx(&self, job: &ImportJob, batch: &ImportBatch) -> Result<(), sqlx::Error> {
        let tenant = job.tenant_id.as_uuid();
        let mut tx = self.tenant_tx(job.tenant_id).await?;
        mark_bulk_change(&mut tx).await?;
        // The fence: only the holder of the next batch may write it.
        let processed: i64 =
            sqlx::query_scalar("SELECT processed_rows FROM imports WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
                .bind(tenant)
                .bind(job.id)
                .fetch_one(&mut *tx)
                .await?;
        if processed != batch.processed_before {
            return Err(sqlx::Error::Protocol(format!(
                "import progress moved to row {processed} under this batch (expected {})",
                batch.processed_before
            )));
        }

        let companies = self.resolve_companies(&mut tx, job, batch).await?;

        // Contacts that already hold one of the emails, locked.
        let emails: Vec<String> = batch
            .rows
            .iter()
            .filter_map(|(_, r)| r.contact.email.as_ref().map(|e| e.normalized()))
            .collect();
        // Found through the tenant-bound index lookup (migration 11), then
        // locked by primary key: `lower(email)` cannot use its index under RLS.
        let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM contact_ids_by_email($1)")
            .bind(&emails)
            .fetch_all(&mut *tx)
            .await?;
        let existing: Vec<(Uuid, String, serde_json::Value)> = sqlx::query_as(
            "SELECT id, lower(email), to_jsonb(c) - 'search_text' FROM contacts c \
             WHERE tenant_id = $1 AND id = ANY($2) FOR UPDATE",
        )
        .bind(tenant)
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
        let existing: HashMap<String, (Uuid, serde_json::Value)> =
            existing.into_iter().map(|(id, e, prev)| (e, (id, prev))).collect();

        let mut new = NewContacts::default();
        let mut upd = NewContacts::default();
        let mut previous: Vec<serde_json::Value> = Vec::new();
        let mut skipped = 0i64;
        for (i, (_, row)) in batch.rows.iter().enumerate() {
            let company = companies[i];
            let found = row.contact.email.as_ref().and_then(|e| existing.get(&e.normalized()));
            match (found, job.mode) {
                (Some(_), ImportMode::Skip) => skipped += 1,
                (Some((id, prev)), ImportMode::Update) => {
                    upd.push(*id, row, company);
                    previous.push(prev.clone());
                }
                (None, _) => new.push(Uuid::now_v7(), row, company),
            }
        }

        if !new.ids.is_empty() {
            // Without custom columns the rows keep the column's default, so
            // an import of plain contacts sends no jsonb at all.
            let sql = if batch.maps_custom {
                "INSERT INTO contacts (tenant_id, id, first_name, last_name, email, phone, title, company_id, \
                   custom_fields, owner_id) \
                 SELECT $1, u.* , $9 FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], \
                   $7::text[], $8::uuid[], $10::jsonb[]) AS u"
            } else {
                "INSERT INTO contacts (tenant_id, id, first_name, last_name, email, phone, title, company_id, owner_id) \
                 SELECT $1, u.* , $9 FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], \
                   $7::text[], $8::uuid[]) AS u"
            };
            let mut insert = sqlx::query(sql)
                .bind(tenant)
                .bind(&new.ids)
                .bind(&new.first)
                .bind(&new.last)
                .bind(&new.email)
                .bind(&new.phone)
                .bind(&new.title)
                .bind(&new.company)
                .bind(job.created_by);
            if batch.maps_custom {
                insert = insert.bind(&new.custom);
            }
            insert.execute(&mut *tx).await?;
            record_changes(&mut tx, job, "contact", &new.ids, None).await?;
        }
        if !upd.ids.is_empty() {
            // Only the mapped fields change; names and email always are.
            let set = |mapped: bool, column: &str| {
                if mapped {
                    format!("u.{column}")
                } else {
                    format!("c.{column}")
                }
            };
            // Custom values merge key by key: a column the file does not
            // have leaves its field alone.
            let custom = if batch.maps_custom {
                "c.custom_fields || u.custom_fields"
            } else {
                "c.custom_fields"
            };
            let sql = format!(
                "UPDATE contacts c SET updated_at = now(), \
                   (first_name, last_name, email, phone, title, company_id, custom_fields) = \
                   (u.first_name, u.last_name, u.email, {}, {}, {}, {custom}) \
                 FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], \
                   $9::jsonb[]) AS u(id, first_name, last_name, email, phone, title, company_id, custom_fields) \
                 WHERE c.tenant_id = $1 AND c.id = u.id",
                set(batch.maps_phone, "phone"),
                set(batch.maps_title, "title"),
                set(batch.maps_company, "company_id"),
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(tenant)
                .bind(&upd.ids)
                .bind(&upd.first)
                .bind(&upd.last)
                .bind(&upd.email)
                .bind(&upd.phone)
                .bind(&upd.title)
                .bind(&upd.company)
                .bind(&upd.custom)
                .execute(&mut *tx)
                .await?;
            record_changes(&mut tx, job, "contact", &upd.ids, Some(&previous)).await?;
        }
        if !batch.errors.is_empty() {
            let rows: Vec<i64> = batch.errors.iter().map(|e| e.row_number).collect();
            let fields: Vec<&str> = batch.errors.iter().map(|e| e.field.as_str()).collect();
            let messages: Vec<&str> = batch.errors.iter().map(|e| e.message.as_str()).collect();
            sqlx::query(
                "INSERT INTO import_errors (tenant_id, import_id, row_number, field, message) \
                 SELECT $1, $2, u.* FROM UNNEST($3::bigint[], $4::text[], $5::text[]) AS u \
                 ON CONFLICT ON CONSTRAINT import_errors_pkey DO NOTHING",
            )
            .bind(tenant)
            .bind(job.id)
            .bind(&rows)
            .bind(&fields)
            .bind(&messages)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE imports SET processed_rows = $3, created = created + $4, updated = updated + $5, \
                 skipped = skipped + $6, failed = failed + $7 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(job.id)
        .bind(batch.processed_after)
        .bind(new.ids.len() as i64)
        .bind(upd.ids.len() as i64)
        .bind(skipped)
        .bind(batch.failed_rows)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// The company of each row: found by domain, else by name; created
    /// when missing and the import allows it.
    async fn resolve_companies(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        job: &ImportJob,
        batch: &ImportBatch,
    ) -> Result<Vec<Option<Uuid>>, sqlx::Error> {
        let tenant = job.tenant_id.as_uuid();
        let domains: Vec<String> = batch
            .rows
            .iter()
            .filter_map(|(_, r)| r.company_domain.as_ref().map(|d| d.as_str().to_owned()))
            .collect();
        let names: Vec<String> = batch
            .rows
            .iter()
            .filter_map(|(_, r)| r.company_name.as_ref().map(|n| n.to_lowercase()))
            .collect();
        if domains.is_empty() && names.is_empty() {
            return Ok(vec![None; batch.rows.len()]);
        }
        let found: Vec<(Uuid, Option<String>, String)> = sqlx::query_as(
            "SELECT id, lower(domain), lower(name) FROM companies \
             WHERE tenant_id = $1 AND (lower(domain) = ANY($2) OR lower(name) = ANY($3)) ORDER BY created_at, id",
        )
        .bind(tenant)
        .bind(&domains)
        .bind(&names)
        .fetch_all(&mut **tx)
        .await?;
        let mut by_domain: HashMap<String, Uuid> = HashMap::new();
        let mut by_name: HashMap<String, Uuid> = HashMap::new();
        for (id, domain, name) in found {
            if let Some(domain) = domain {
                by_domain.entry(domain).or_insert(id);
            }
            by_name.entry(name).or_insert(id);
        }
        let mut created: (Vec<Uuid>, Vec<String>, Vec<Option<String>>) = Default::default();
        let mut out = Vec::with_capacity(batch.rows.len());
        for (_, row) in &batch.rows {
            let domain = row.company_domain.as_ref().map(|d| d.as_str().to_owned());
            let name = row.company_name.as_ref().map(|n| n.to_lowercase());
            let hit = domain
                .as_ref()
                .and_then(|d| by_domain.get(d))
                .or_else(|| name.as_ref().and_then(|n| by_name.get(n)))
                .copied();
            let id = match hit {
                Some(id) => Some(id),
                None if job.create_companies && (domain.is_some() || name.is_some()) => {
                    let id = Uuid::now_v7();
                    let display = row.company_name.clone().or_else(|| domain.clone()).unwrap_or_default();
                    created.0.push(id);
                    created.1.push(display);
                    created.2.push(domain.clone());
                    if let Some(d) = domain {
                        by_domain.insert(d, id);
                    }
                    if let Some(n) = name {
                        by_name.insert(n, id);
                    }
                    Some(id)
                }
                None => None,
            };
            out.push(id);
        }
        if !created.0.is_empty() {
            sqlx::query(
                "INSERT INTO companies (tenant_id, id, name, domain, owner_id) \
                 SELECT $1, u.*, $5 FROM UNNEST($2::uuid[], $3::text[], $4::text[]) AS u",
            )
            .bind(tenant)
            .bind(&created.0)
            .bind(&created.1)
            .bind(&created.2)
            .bind(job.created_by)
            .execute(&mut **tx)
            .await?;
            record_changes(tx, job, "company", &created.0, None).await?;
        }
        Ok(out)
    }
}

#[derive(Default)]
struct NewContacts {
    ids: Vec<Uuid>,
    first: Vec<String>,
    last: Vec<String>,
    email: Vec<Option<String>>,
    phone: Vec<Option<String>>,
    title: Vec<Option<String>>,
    company: Vec<Option<Uuid>>,
    custom: Vec<serde_json::Value>,
}

impl NewContacts {
    fn push(&mut self, id: Uuid, row: &ImportRow, company: Option<Uuid>) {
        let c = &row.contact;
        self.ids.push(id);
        self.first.push(c.first_name.clone());
        self.last.push(c.last_name.clone());
        self.email.push(c.email.as_ref().map(|e| e.as_str().to_owned()));
        self.phone.push(c.phone.clone());
        self.title.push(c.title.clone());
        self.company.push(company);
        self.custom
            .push(serde_json::to_value(&c.custom_fields).unwrap_or_default());
    }
}

async fn record_changes(
    tx: &mut Transaction<'static, Postgres>,
    job: &ImportJob,
    entity: &str,
    ids: &[Uuid],
    previous: Option<&[serde_json::Value]>,
) -> Result<(), sqlx::Error> {
    match previous {
        None => sqlx::query(
            "INSERT INTO import_changes (tenant_id, import_id, entity, record_id, action) \
             SELECT $1, $2, $3, u, 'created' FROM UNNEST($4::uuid[]) AS u",
        )
        .bind(job.tenant_id.as_uuid())
        .bind(job.id)
        .bind(entity)
        .bind(ids)
        .execute(&mut **tx)
        .await
        .map(|_| ()),
        Some(previous) => sqlx::query(
            // A contact updated twice by one import keeps its first
            // previous value (the state before the import).
            "INSERT INTO import_changes (tenant_id, import_id, entity, record_id, action, previous) \
             SELECT $1, $2, $3, u.id, 'updated', u.prev FROM UNNEST($4::uuid[], $5::jsonb[]) AS u(id, prev) \
             ON CONFLICT ON CONSTRAINT import_changes_pkey DO NOTHING",
        )
        .bind(job.tenant_id.as_uuid())
        .bind(job.id)
        .bind(entity)
        .bind(ids)
        .bind(previous)
        .execute(&mut **tx)
        .await
        .map(|_| ()),
    }
}

/// Marks the transaction as a bulk change: record webhooks stay quiet for
/// its rows (one `import.finished` event tells subscribers instead;
/// migration 20261127000009).
async fn mark_bulk_change(conn: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('app.bulk_change', 'on', true)")
        .execute(&mut *conn)
        .await
        .map(drop)
}
