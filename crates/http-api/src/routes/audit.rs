//! `/api/audit-log`: the organization's trail, newest first, and the
//! helpers every route uses to record into it (`origin`, `record`).

use crate::problem::{ApiError, Problem};
use crate::request_id;
use crate::routes::params::page_param;
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::web::{Data, Query};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use clearview_kernel::{TenantContext, UserId, ValidationErrors};
use clearview_tenancy::{AuditEntry, AuditQuery, AuditRecord, RequestOrigin};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Where the request came from: the peer address (the proxy's, behind one)
/// and the request id.
pub fn origin(req: &HttpRequest) -> RequestOrigin {
    // Behind the trusted proxy the peer is the proxy: the client is the
    // address the rate limits use.
    let ip = match req.app_data::<actix_web::web::Data<ApiState>>() {
        Some(state) => state.limits.client_addr(req),
        None => req.peer_addr().map(|addr| addr.ip()),
    };
    RequestOrigin {
        ip,
        request_id: request_id::current(),
        api_key_id: req
            .extensions()
            .get::<crate::security::session::ApiKeyUsed>()
            .map(|key| key.0),
    }
}

/// Records `entry` as done by the caller. A failure to record is logged (ids
/// only) and does not fail the request that was already carried out.
pub async fn record(state: &ApiState, ctx: &TenantContext, entry: AuditEntry) {
    let action = entry.action;
    if let Err(err) = state.audit.record(ctx, entry).await {
        tracing::error!(action, tenant_id = %ctx.tenant_id, error = %err, "could not record an audit entry");
    }
}

/// `?actor_id&action&since&limit&cursor`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only entries by this member.
    #[param(value_type = Option<uuid::Uuid>, format = Uuid)]
    pub actor_id: Option<String>,
    /// Only this action, e.g. `auth.sign_in`.
    pub action: Option<String>,
    /// Only entries at or after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub since: Option<String>,
    /// 1..=200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl AuditParams {
    fn parse(&self) -> Result<AuditQuery, ApiError> {
        let mut errors = ValidationErrors::new();
        let actor_id = self.actor_id.as_deref().and_then(|v| {
            errors.check(
                "actor_id",
                Uuid::try_parse(v).map(UserId::from_uuid).map_err(|_| "must be a UUID"),
            )
        });
        let since = self.since.as_deref().and_then(|v| {
            errors.check(
                "since",
                DateTime::parse_from_rfc3339(v)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| "must be an RFC 3339 timestamp"),
            )
        });
        let page = page_param(
            &mut errors,
            Some(AuditQuery::SORT),
            self.limit.as_deref(),
            self.cursor.as_deref(),
        );
        match page {
            Some(page) if errors.is_empty() => Ok(AuditQuery {
                actor_id,
                action: self.action.clone(),
                since,
                page,
            }),
            _ => Err(ApiError::invalid(errors)),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    /// The actor's name when they acted; null once they were erased.
    pub actor_name: Option<String>,
    /// `area.verb`, see ADR 0011.
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<Uuid>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<AuditRecord> for AuditEntryView {
    fn from(r: AuditRecord) -> Self {
        AuditEntryView {
            id: r.id,
            actor_id: r.actor_id.map(|a| a.as_uuid()),
            actor_name: r.actor_name,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            ip: r.ip,
            request_id: r.request_id,
            details: serde_json::from_str(&r.details_json).unwrap_or_default(),
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub data: Vec<AuditEntryView>,
    pub next_cursor: Option<String>,
}

/// Who did what, when and from where: newest first (admins and viewers).
#[utoipa::path(get, operation_id = "audit_list", path = "/api/audit-log", tag = "operations", params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    session: Session,
    state: Data<ApiState>,
    params: Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    let query = params.parse()?;
    let page = state.audit.list(&session.ctx, &query).await?;
    Ok(HttpResponse::Ok().json(AuditPage {
        data: page.items.into_iter().map(AuditEntryView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Where the chain breaks.
#[derive(Serialize, ToSchema)]
pub struct ChainBreakView {
    /// The entry's place in the organization's trail, from 1.
    pub seq: i64,
    /// The entry's id; null when the entry itself was deleted.
    pub id: Option<Uuid>,
    pub problem: String,
}

/// The result of walking the trail's hash chain.
#[derive(Serialize, ToSchema)]
pub struct ChainCheckView {
    /// True when every entry is as it was written and none is missing.
    pub ok: bool,
    /// Entries found intact, from the first.
    pub checked: i64,
    /// The first break; null when `ok`.
    pub broken: Option<ChainBreakView>,
}

/// Checks that no entry of the organization's audit log was edited or
/// deleted since it was written (admins): each entry carries the hash of
/// the one before it, so the walk stops at the first break.
#[utoipa::path(get, operation_id = "audit_verify", path = "/api/audit-log/verify", tag = "operations",
    responses((status = 200, body = ChainCheckView), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn verify(session: Session, state: Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let check = state.audit.verify(&session.ctx).await?;
    Ok(HttpResponse::Ok().json(ChainCheckView {
        ok: check.broken.is_none(),
        checked: check.checked,
        broken: check.broken.map(|b| ChainBreakView {
            seq: b.seq,
            id: b.id,
            problem: b.problem,
        }),
    }))
}
