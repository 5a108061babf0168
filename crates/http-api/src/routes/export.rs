//! `GET /api/{contacts,companies,deals}/export`: the records matching the
//! list's filters as a streamed CSV file (admins and managers). The store
//! produces the bytes (see ADR 0013); this handler checks the role, parses
//! the filters, records the audit entry and hands the chunks to actix one
//! at a time, so a slow client slows the producer instead of filling memory.

use crate::problem::{ApiError, Problem};
use crate::routes::audit::{origin, record};
use crate::routes::params::uuid_param;
use crate::security::session::Session;
use crate::stall::{ClientSocket, stall_guarded_body};
use crate::state::{ApiState, HttpSettings};
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION};
use actix_web::web::{Data, Query};
use actix_web::{HttpRequest, HttpResponse};
use clearview_kernel::export::{ExportFilters, ExportKind, ExportQuery, ExportService};
use clearview_kernel::{CompanyId, ContactId, PipelineId, SearchTerm, StageId, UserId, ValidationErrors};
use clearview_pipelines::StageKind;
use clearview_tenancy::AuditEntry;
use clearview_tenancy::actions::{COMPANIES_EXPORTED, CONTACTS_EXPORTED, DEALS_EXPORTED};
use serde::Deserialize;
use utoipa::IntoParams;

/// `?q&owner_id&company_id` — the contact list's filters (no paging: the
/// export is everything that matches, oldest first).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactExportParams {
    /// Search: names and email.
    pub q: Option<String>,
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub owner_id: Option<String>,
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub company_id: Option<String>,
}

/// `?q&owner_id` — the company list's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CompanyExportParams {
    /// Search: name and domain.
    pub q: Option<String>,
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub owner_id: Option<String>,
}

/// The deal list's filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DealExportParams {
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub pipeline_id: Option<String>,
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub stage_id: Option<String>,
    /// open, won or lost.
    #[param(value_type = Option<crate::openapi::params::DealStatus>, inline)]
    pub status: Option<String>,
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub owner_id: Option<String>,
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub contact_id: Option<String>,
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub company_id: Option<String>,
    /// Contained in the title.
    pub q: Option<String>,
}

fn search(errors: &mut ValidationErrors, raw: Option<&str>) -> Option<SearchTerm> {
    errors.check("q", SearchTerm::parse(raw.unwrap_or_default())).flatten()
}

fn done(errors: ValidationErrors, filters: ExportFilters) -> Result<ExportFilters, ApiError> {
    if errors.is_empty() {
        Ok(filters)
    } else {
        Err(ApiError::invalid(errors))
    }
}

impl ContactExportParams {
    fn parse(&self) -> Result<ExportFilters, ApiError> {
        let mut errors = ValidationErrors::new();
        let filters = ExportFilters {
            search: search(&mut errors, self.q.as_deref()),
            owner_id: uuid_param(&mut errors, "owner_id", self.owner_id.as_deref()).map(UserId::from_uuid),
            company_id: uuid_param(&mut errors, "company_id", self.company_id.as_deref()).map(CompanyId::from_uuid),
            ..ExportFilters::default()
        };
        done(errors, filters)
    }
}

impl CompanyExportParams {
    fn parse(&self) -> Result<ExportFilters, ApiError> {
        let mut errors = ValidationErrors::new();
        let filters = ExportFilters {
            search: search(&mut errors, self.q.as_deref()),
            owner_id: uuid_param(&mut errors, "owner_id", self.owner_id.as_deref()).map(UserId::from_uuid),
            ..ExportFilters::default()
        };
        done(errors, filters)
    }
}

impl DealExportParams {
    fn parse(&self) -> Result<ExportFilters, ApiError> {
        let mut errors = ValidationErrors::new();
        let filters = ExportFilters {
            search: search(&mut errors, self.q.as_deref()),
            owner_id: uuid_param(&mut errors, "owner_id", self.owner_id.as_deref()).map(UserId::from_uuid),
            company_id: uuid_param(&mut errors, "company_id", self.company_id.as_deref()).map(CompanyId::from_uuid),
            contact_id: uuid_param(&mut errors, "contact_id", self.contact_id.as_deref()).map(ContactId::from_uuid),
            pipeline_id: uuid_param(&mut errors, "pipeline_id", self.pipeline_id.as_deref()).map(PipelineId::from_uuid),
            stage_id: uuid_param(&mut errors, "stage_id", self.stage_id.as_deref()).map(StageId::from_uuid),
            status: self
                .status
                .as_deref()
                .and_then(|s| errors.check("status", s.parse::<StageKind>()))
                .map(StageKind::as_str),
        };
        done(errors, filters)
    }
}

/// The audit details: which filters were used, ids and enum values only —
/// the search text may be a person's name, so only its presence is kept.
fn audit_entry(action: &'static str, req: &HttpRequest, f: &ExportFilters) -> AuditEntry {
    let mut entry = AuditEntry::new(action, &origin(req));
    if f.search.is_some() {
        entry = entry.detail("search", "true");
    }
    let ids = [
        ("owner_id", f.owner_id.map(|v| v.as_uuid())),
        ("company_id", f.company_id.map(|v| v.as_uuid())),
        ("contact_id", f.contact_id.map(|v| v.as_uuid())),
        ("pipeline_id", f.pipeline_id.map(|v| v.as_uuid())),
        ("stage_id", f.stage_id.map(|v| v.as_uuid())),
    ];
    for (key, value) in ids {
        if let Some(id) = value {
            entry = entry.detail(key, id.to_string());
        }
    }
    if let Some(status) = f.status {
        entry = entry.detail("status", status);
    }
    entry
}

async fn export(
    session: &Session,
    state: &ApiState,
    req: &HttpRequest,
    kind: ExportKind,
    action: &'static str,
    filters: Result<ExportFilters, ApiError>,
) -> Result<HttpResponse, ApiError> {
    // The role first: a rep or viewer gets 403 whatever the filters.
    ExportService::authorize(&session.ctx)?;
    let filters = filters?;
    let slot = state.transfers.take(session.ctx.tenant_id)?;
    let source = state
        .exports
        .export(
            &session.ctx,
            &ExportQuery {
                kind,
                filters: filters.clone(),
            },
        )
        .await?;
    record(state, &session.ctx, audit_entry(action, req, &filters)).await;
    let filename = format!("{}-{}.csv", kind.as_str(), chrono::Utc::now().format("%Y-%m-%d"));
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .insert_header((CACHE_CONTROL, "no-store"))
        .streaming(stall_guarded_body(
            source,
            slot,
            req.conn_data::<ClientSocket>().cloned(),
            req.app_data::<actix_web::web::Data<HttpSettings>>()
                .map_or(std::time::Duration::from_secs(30), |s| s.client_stall),
        )))
}

/// Every contact matching the filters as CSV (RFC 4180, header row, CRLF,
/// oldest first). Cells starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return are prefixed with `'` against formula injection.
#[utoipa::path(get, operation_id = "export_contacts", path = "/api/contacts/export", tag = "contacts", params(ContactExportParams),
    responses(
        (status = 200, description = "Columns: id, first_name, last_name, email, phone, title, company_id, \
            company_name, owner_id, owner_email, created_at, updated_at", content_type = "text/csv; charset=utf-8", body = String),
        (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many imports and exports at once; see Retry-After")))]
pub async fn contacts(
    session: Session,
    state: Data<ApiState>,
    req: HttpRequest,
    params: Query<ContactExportParams>,
) -> Result<HttpResponse, ApiError> {
    export(
        &session,
        &state,
        &req,
        ExportKind::Contacts,
        CONTACTS_EXPORTED,
        params.parse(),
    )
    .await
}

/// Every company matching the filters as CSV (see the contacts export).
#[utoipa::path(get, operation_id = "export_companies", path = "/api/companies/export", tag = "companies", params(CompanyExportParams),
    responses(
        (status = 200, description = "Columns: id, name, domain, phone, owner_id, created_at, updated_at",
            content_type = "text/csv; charset=utf-8", body = String),
        (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many imports and exports at once; see Retry-After")))]
pub async fn companies(
    session: Session,
    state: Data<ApiState>,
    req: HttpRequest,
    params: Query<CompanyExportParams>,
) -> Result<HttpResponse, ApiError> {
    export(
        &session,
        &state,
        &req,
        ExportKind::Companies,
        COMPANIES_EXPORTED,
        params.parse(),
    )
    .await
}

/// Every deal matching the filters as CSV; `amount` is the exact decimal.
#[utoipa::path(get, operation_id = "export_deals", path = "/api/deals/export", tag = "deals", params(DealExportParams),
    responses(
        (status = 200, description = "Columns: id, title, amount, currency, pipeline, stage, status, probability, \
            expected_close_date, closed_at, lost_reason, company_id, owner_id, created_at, updated_at",
            content_type = "text/csv; charset=utf-8", body = String),
        (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "Too many imports and exports at once; see Retry-After")))]
pub async fn deals(
    session: Session,
    state: Data<ApiState>,
    req: HttpRequest,
    params: Query<DealExportParams>,
) -> Result<HttpResponse, ApiError> {
    export(
        &session,
        &state,
        &req,
        ExportKind::Deals,
        DEALS_EXPORTED,
        params.parse(),
    )
    .await
}
