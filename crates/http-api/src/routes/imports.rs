//! `POST /api/contacts/import` and `/api/imports`: the upload streams into
//! 1 MiB chunks (never the whole file in memory), then a job imports it;
//! progress, the error report (JSON and CSV) and undo.

use crate::problem::{ApiError, Problem};
use crate::routes::audit::origin;
use crate::routes::spool::Spool;
use crate::security::session::Session;
use crate::state::{ApiState, HttpSettings};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use actix_web::web::{Bytes, Data, Path, Payload, Query};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use clearview_contacts::RecordError;
use clearview_contacts::{ColumnMapping, Import, ImportMode, ImportRowError, ImportService, ImportUpload, NewImport};
use clearview_kernel::TenantContext;
use clearview_kernel::custom_fields::CustomEntity;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Chunks of the upload as stored.
const CHUNK_BYTES: usize = 1024 * 1024;
/// Errors shown in `GET /api/imports/{id}`; the CSV has them all.
const ERRORS_SHOWN: i64 = 1000;

/// `?mode=skip|update&create_companies=true|false&mapping={"Header": "field"}`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `skip` (default) leaves contacts whose email exists alone; `update`
    /// changes their mapped fields.
    #[param(value_type = Option<crate::openapi::params::ImportMode>, inline)]
    pub mode: Option<String>,
    /// Create companies named in the file that do not exist (default false).
    #[param(value_type = Option<bool>)]
    pub create_companies: Option<String>,
    /// A JSON object from header to field (`first_name`, `last_name`,
    /// `email`, `phone`, `title`, `company`, `company_domain`, or
    /// `cf.<key>` for a contact custom field); inferred from the headers
    /// when absent (a `cf.<key>` header maps to that custom field).
    pub mapping: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportAccepted {
    pub id: Uuid,
    pub status: String,
    /// Header → field.
    pub mapping: BTreeMap<String, String>,
    /// Headers no field was mapped from.
    pub ignored_columns: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportErrorView {
    pub row: i64,
    pub field: String,
    pub message: String,
}

impl From<ImportRowError> for ImportErrorView {
    fn from(e: ImportRowError) -> Self {
        Self {
            row: e.row_number,
            field: e.field,
            message: e.message,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ImportView {
    pub id: Uuid,
    /// `uploaded`, `processing`, `done`, `failed` or `undone`.
    pub status: String,
    pub mode: String,
    pub create_companies: bool,
    pub mapping: BTreeMap<String, String>,
    pub total_rows: Option<i64>,
    pub processed_rows: i64,
    /// processed / total, 0.0..=1.0.
    pub progress: f64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub failed: i64,
    pub error: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The first 1,000 errors (row, field, message); `errors.csv` has all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ImportErrorView>>,
    /// In the answer to undo only: contacts left as they were because they
    /// changed after the import (edited, or given a deal or an activity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept_changed: Option<i64>,
}

impl From<Import> for ImportView {
    fn from(i: Import) -> Self {
        let progress = match (i.status.as_str(), i.total_rows) {
            ("done" | "undone", _) => 1.0,
            (_, Some(total)) if total > 0 => (i.processed_rows as f64 / total as f64).min(1.0),
            _ => 0.0,
        };
        Self {
            id: i.id,
            status: i.status,
            mode: i.mode,
            create_companies: i.create_companies,
            mapping: i.mapping.into_iter().collect(),
            total_rows: i.total_rows,
            processed_rows: i.processed_rows,
            progress,
            created: i.created,
            updated: i.updated,
            skipped: i.skipped,
            failed: i.failed,
            error: i.error,
            created_by: i.created_by,
            created_at: i.created_at,
            finished_at: i.finished_at,
            errors: None,
            kept_changed: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ImportList {
    pub data: Vec<ImportView>,
}

struct Options {
    mode: ImportMode,
    create_companies: bool,
    mapping: Option<Vec<(String, String)>>,
}

fn parse_params(params: &ImportParams) -> Result<Options, ApiError> {
    let mode = match params.mode.as_deref() {
        None => ImportMode::Skip,
        Some(raw) => raw.parse().map_err(|e: String| ApiError::invalid_field("mode", e))?,
    };
    let create_companies = match params.create_companies.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::invalid_field("create_companies", "must be true or false")),
    };
    let mapping = match params.mapping.as_deref() {
        None => None,
        Some(raw) => {
            let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(raw)
                .map_err(|_| ApiError::invalid_field("mapping", "must be a JSON object from header to field"))?;
            let mut pairs = Vec::with_capacity(object.len());
            for (header, field) in object {
                let field = field
                    .as_str()
                    .ok_or_else(|| ApiError::invalid_field("mapping", "every value must be a field name"))?;
                pairs.push((header, field.to_owned()));
            }
            Some(pairs)
        }
    };
    Ok(Options {
        mode,
        create_companies,
        mapping,
    })
}

fn is_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            matches!(
                mime.trim().to_ascii_lowercase().as_str(),
                "text/csv" | "application/csv" | "text/plain"
            )
        })
        .unwrap_or(false)
}

fn too_large(max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the file is larger than the {max} bytes one import takes (IMPORT_MAX_BYTES)"),
    )
}

/// The header row, from the start of the file (it must fit in the first
/// chunk), and the mapping fitted to it.
fn mapping_for(start: &[u8], given: Option<Vec<(String, String)>>) -> Result<(ColumnMapping, Vec<String>), ApiError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(start);
    let mut record = csv::ByteRecord::new();
    let has_header = reader
        .read_byte_record(&mut record)
        .map_err(|e| ApiError::invalid_field("body", format!("is not valid CSV: {e}")))?;
    if !has_header {
        return Err(ApiError::invalid_field("body", "is empty: the file needs a header row"));
    }
    let headers: Vec<String> = record
        .iter()
        .map(|raw| {
            String::from_utf8_lossy(raw)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_owned()
        })
        .collect();
    let (mapping, ignored) = match given {
        None => ColumnMapping::infer(&headers),
        Some(pairs) => ColumnMapping::given(pairs, &headers).map_err(|e| ApiError::invalid_field("mapping", e))?,
    };
    mapping
        .check_required()
        .map_err(|e| ApiError::invalid_field("mapping", e))?;
    Ok((mapping, ignored))
}

/// Every `cf.<key>` the mapping names is a contact custom field.
async fn check_custom_fields(state: &ApiState, ctx: &TenantContext, mapping: &ColumnMapping) -> Result<(), ApiError> {
    if mapping.custom.is_empty() {
        return Ok(());
    }
    let fields = state.custom_fields.list(ctx, Some(CustomEntity::Contact)).await?;
    match mapping
        .custom
        .iter()
        .find(|(_, key)| !fields.iter().any(|f| &f.key == key))
    {
        Some((column, key)) => Err(ApiError::invalid_field(
            "mapping",
            format!("maps the column `{column}` to `cf.{key}`, which is not a contact custom field"),
        )),
        None => Ok(()),
    }
}

#[utoipa::path(post, operation_id = "imports_upload", path = "/api/contacts/import", tag = "contacts", params(ImportParams),
    request_body(content = String, content_type = "text/csv", description = "The CSV file, a header row first"),
    responses((status = 202, body = ImportAccepted, headers(("Location" = String))), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 408, body = Problem, content_type = "application/problem+json", description = "The upload stalled"),
              (status = 413, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many transfers at once, or the import quota is full")))]
pub async fn upload(
    session: Session,
    state: Data<ApiState>,
    settings: Data<HttpSettings>,
    req: HttpRequest,
    params: Query<ImportParams>,
    mut payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let ctx = &session.ctx;
    ImportService::may_import(ctx)?;
    if !is_csv(&req) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the file as text/csv",
        ));
    }
    let options = parse_params(&params)?;
    let max = settings.import_max_bytes;
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large(max));
    }
    // At most a few transfers per organization, and a bounded amount of
    // imports waiting in storage.
    let _slot = state.transfers.take(ctx.tenant_id)?;
    check_quota(&state, ctx, declared.unwrap_or(0), settings.import_quota_bytes).await?;
    // The whole file lands on local disk first; only then is a connection
    // taken, for as long as copying it into storage takes.
    let spool = Spool::receive(&mut payload, max, settings.client_stall, too_large).await?;
    check_quota(&state, ctx, spool.bytes, settings.import_quota_bytes).await?;
    let id = Uuid::now_v7();
    let mut given = options.mapping;
    let mut upload: Option<(Box<dyn ImportUpload>, ColumnMapping, Vec<String>)> = None;
    let mut chunks = spool.chunks(CHUNK_BYTES).await?;
    // Dropping `upload` on any error rolls its transaction back: a refused
    // or broken upload leaves no chunk behind.
    while let Some(chunk) = chunks.next().await? {
        flush(
            &state,
            ctx,
            id,
            &options.mode,
            options.create_companies,
            &mut given,
            &mut upload,
            chunk,
        )
        .await?;
    }
    if upload.is_none() {
        flush(
            &state,
            ctx,
            id,
            &options.mode,
            options.create_companies,
            &mut given,
            &mut upload,
            &[],
        )
        .await?;
    }
    let (upload, mapping, ignored) = upload.expect("flushed at least once");
    upload.commit().await.map_err(repo)?;
    Ok(HttpResponse::Accepted()
        .insert_header((LOCATION, format!("/api/imports/{id}")))
        .json(ImportAccepted {
            id,
            status: "uploaded".into(),
            mapping: mapping
                .columns
                .into_iter()
                .map(|(header, field)| (header, field.as_str().to_owned()))
                .collect(),
            ignored_columns: ignored,
        }))
}

/// 429 when the organization's stored imports plus `incoming` bytes would
/// pass the quota.
async fn check_quota(state: &ApiState, ctx: &TenantContext, incoming: u64, quota: u64) -> Result<(), ApiError> {
    let stored = state.imports.stored_bytes(ctx).await?;
    if stored.saturating_add(incoming) > quota {
        metrics::counter!("clearview_rate_limit_refusals_total", "policy" => "import_quota").increment(1);
        return Err(ApiError::too_many_requests(60).with_detail(format!(
            "your organization's imports waiting to run hold {stored} bytes; with this file that passes its \
             {quota}-byte quota (IMPORT_QUOTA_BYTES). Wait for them to finish"
        )));
    }
    Ok(())
}

fn repo(err: clearview_kernel::RepoError) -> ApiError {
    ApiError::from(RecordError::from(err))
}

/// Stores one chunk; the first one also fixes the mapping and opens the
/// upload.
#[allow(clippy::too_many_arguments)]
async fn flush(
    state: &ApiState,
    ctx: &TenantContext,
    id: Uuid,
    mode: &ImportMode,
    create_companies: bool,
    given: &mut Option<Vec<(String, String)>>,
    upload: &mut Option<(Box<dyn ImportUpload>, ColumnMapping, Vec<String>)>,
    chunk: &[u8],
) -> Result<(), ApiError> {
    if upload.is_none() {
        let (mapping, ignored) = mapping_for(chunk, given.take())?;
        check_custom_fields(state, ctx, &mapping).await?;
        let new = NewImport {
            id,
            mode: *mode,
            create_companies,
            mapping: mapping.clone(),
        };
        let opened = state.imports.begin_upload(ctx, &new).await?;
        *upload = Some((opened, mapping, ignored));
    }
    if !chunk.is_empty()
        && let Some((upload, _, _)) = upload.as_mut()
    {
        upload.append(chunk).await.map_err(repo)?;
    }
    Ok(())
}

#[utoipa::path(get, operation_id = "imports_list", path = "/api/imports", tag = "contacts",
    responses((status = 200, body = ImportList), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(session: Session, state: Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let imports = state.imports.list(&session.ctx, 50).await?;
    Ok(HttpResponse::Ok().json(ImportList {
        data: imports.into_iter().map(ImportView::from).collect(),
    }))
}

#[utoipa::path(get, operation_id = "imports_get", path = "/api/imports/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "contacts",
    responses((status = 200, body = ImportView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let import = state.imports.get(&session.ctx, *id).await?;
    let errors = state.imports.errors(&session.ctx, *id, None, ERRORS_SHOWN).await?;
    let mut view = ImportView::from(import);
    view.errors = Some(errors.into_iter().map(ImportErrorView::from).collect());
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(get, operation_id = "imports_errors_csv", path = "/api/imports/{id}/errors.csv", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "contacts",
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn errors_csv(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let ctx = session.ctx;
    let id = *id;
    state.imports.get(&ctx, id).await?;
    // Pages of errors, each written as it is read: memory stays flat.
    let start: Option<Option<(i64, String)>> = Some(None);
    let header =
        futures_util::stream::once(async { Ok::<_, std::io::Error>(Bytes::from_static(b"row,field,message\r\n")) });
    let pages = futures_util::stream::unfold(start, move |cursor| {
        let state = state.clone();
        async move {
            let after = cursor?;
            match state.imports.errors(&ctx, id, after, 10_000).await {
                Err(err) => Some((Err(std::io::Error::other(err.to_string())), None)),
                Ok(page) if page.is_empty() => None,
                Ok(page) => {
                    let next = page.last().map(|e| (e.row_number, e.field.clone()));
                    let mut out = csv::WriterBuilder::new()
                        .terminator(csv::Terminator::CRLF)
                        .from_writer(Vec::new());
                    for e in &page {
                        let row = e.row_number.to_string();
                        let _ = out.write_record([row.as_str(), e.field.as_str(), neutralise(&e.message).as_str()]);
                    }
                    let bytes = out.into_inner().unwrap_or_default();
                    Some((Ok(Bytes::from(bytes)), Some(next)))
                }
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"import-{id}-errors.csv\""),
        ))
        .streaming(header.chain(pages)))
}

/// A cell a spreadsheet would run as a formula is prefixed with `'`.
fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[utoipa::path(post, operation_id = "imports_undo", path = "/api/imports/{id}/undo", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "contacts",
    responses((status = 200, body = ImportView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn undo(
    session: Session,
    state: Data<ApiState>,
    req: HttpRequest,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (import, kept) = state.imports.undo(&session.ctx, *id, &origin(&req)).await?;
    let mut view = ImportView::from(import);
    view.kept_changed = Some(kept);
    Ok(HttpResponse::Ok().json(view))
}
