//! `/api/trash` and `POST /api/{contacts|companies|deals|activities}/{id}/restore`
//! (ADR 0031): deleted records wait 30 days in the trash; whoever could
//! delete one can restore it with its links; admins can delete one for good.

use crate::problem::{ApiError, Problem};
use crate::routes::activities::ActivityView;
use crate::routes::audit::origin;
use crate::routes::companies::CompanyView;
use crate::routes::contacts::ContactView;
use crate::routes::deals::DealView;
use crate::routes::params::page_param;
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use clearview_kernel::trash::{TrashEntry, TrashKind, TrashQuery};
use clearview_kernel::{ActivityId, CompanyId, ContactId, DealId, Page, Sort, ValidationErrors};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Newest deletions first.
const SORT: Sort = Sort {
    field: "deleted_at",
    descending: true,
};

/// `?kind&limit&cursor`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TrashParams {
    /// Only this kind: `contact`, `company`, `deal` or `activity`.
    #[param(pattern = "^(contact|company|deal|activity)$")]
    pub kind: Option<String>,
    /// 1..=200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl TrashParams {
    fn parse(&self) -> Result<TrashQuery, ApiError> {
        let mut errors = ValidationErrors::new();
        let kind = self
            .kind
            .as_deref()
            .and_then(|raw| errors.check("kind", TrashKind::parse(raw)));
        let page = page_param(&mut errors, Some(SORT), self.limit.as_deref(), self.cursor.as_deref());
        match page {
            Some(page) if errors.is_empty() => Ok(TrashQuery { kind, page }),
            _ => Err(ApiError::invalid(errors)),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TrashEntryView {
    /// The record's own id (restore it at `/api/{kind}s/{id}/restore`).
    pub id: Uuid,
    /// `contact`, `company`, `deal` or `activity`.
    pub kind: String,
    /// A contact's or company's name, a deal's title, an activity's subject.
    pub label: String,
    pub owner_id: Option<Uuid>,
    /// Who deleted it; null once they left the organization.
    pub deleted_by: Option<Uuid>,
    pub deleted_by_name: Option<String>,
    pub deleted_at: DateTime<Utc>,
    /// When it is deleted for good (the daily purge, 30 days on).
    pub purge_at: DateTime<Utc>,
    /// The record it was merged into, when a merge sent it here (restoring
    /// it undoes the merge).
    pub merged_into: Option<Uuid>,
}

impl From<TrashEntry> for TrashEntryView {
    fn from(e: TrashEntry) -> Self {
        TrashEntryView {
            id: e.id,
            kind: e.kind.as_str().to_owned(),
            label: e.label.clone(),
            owner_id: e.owner_id.map(|o| o.as_uuid()),
            deleted_by: e.deleted_by.map(|u| u.as_uuid()),
            deleted_by_name: e.deleted_by_name.clone(),
            deleted_at: e.deleted_at,
            purge_at: e.purge_at(),
            merged_into: e.merged_into,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TrashPage {
    pub data: Vec<TrashEntryView>,
    pub next_cursor: Option<String>,
}

impl From<Page<TrashEntry>> for TrashPage {
    fn from(page: Page<TrashEntry>) -> Self {
        TrashPage {
            data: page.items.into_iter().map(TrashEntryView::from).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// The organization's deleted records, newest first (a rep who sees only
/// their own records sees only their own here).
#[utoipa::path(get, operation_id = "trash_list", path = "/api/trash", params(TrashParams), tag = "trash",
    responses((status = 200, body = TrashPage), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    session: Session,
    state: Data<ApiState>,
    params: Query<TrashParams>,
) -> Result<HttpResponse, ApiError> {
    let query = params.parse()?;
    let page = state.trash.list(&session.ctx, &query).await?;
    Ok(HttpResponse::Ok().json(TrashPage::from(page)))
}

/// Deletes a trashed record for good, now (admins): for a person's right to
/// erasure, which cannot wait 30 days.
#[utoipa::path(delete, operation_id = "trash_purge", path = "/api/trash/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "trash",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn purge(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state.trash.purge(&session.ctx, *id, &origin(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Restores from the trash and records who did.
async fn restore(
    req: &HttpRequest,
    session: &Session,
    state: &ApiState,
    kind: TrashKind,
    id: Uuid,
) -> Result<(), ApiError> {
    state.trash.restore(&session.ctx, kind, id, &origin(req)).await?;
    Ok(())
}

/// Brings a deleted contact back, with its deals and activities.
#[utoipa::path(post, operation_id = "contacts_restore", path = "/api/contacts/{id}/restore", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "trash",
    responses((status = 200, body = ContactView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "A live contact has its e-mail now")))]
pub async fn restore_contact(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    restore(&req, &session, &state, TrashKind::Contact, *id).await?;
    let contact = state.contacts.get(&session.ctx, ContactId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok().json(ContactView::from(contact)))
}

/// Brings a deleted company back, with its contacts, deals and activities.
#[utoipa::path(post, operation_id = "companies_restore", path = "/api/companies/{id}/restore", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "trash",
    responses((status = 200, body = CompanyView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "A live company has its domain now")))]
pub async fn restore_company(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    restore(&req, &session, &state, TrashKind::Company, *id).await?;
    let company = state.companies.get(&session.ctx, CompanyId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok().json(CompanyView::from(company)))
}

/// Brings a deleted deal back, with its contacts, activities and stage history.
#[utoipa::path(post, operation_id = "deals_restore", path = "/api/deals/{id}/restore", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "trash",
    responses((status = 200, body = DealView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "Its pipeline stage was deleted meanwhile")))]
pub async fn restore_deal(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    restore(&req, &session, &state, TrashKind::Deal, *id).await?;
    let deal = state.deals.get(&session.ctx, DealId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok().json(DealView::from(deal)))
}

/// Brings a deleted activity back, linked to whatever of its deal, contact
/// and company is live.
#[utoipa::path(post, operation_id = "activities_restore", path = "/api/activities/{id}/restore", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "trash",
    responses((status = 200, body = ActivityView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn restore_activity(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    restore(&req, &session, &state, TrashKind::Activity, *id).await?;
    let activity = state.activities.get(&session.ctx, ActivityId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok().json(ActivityView::from(activity)))
}
