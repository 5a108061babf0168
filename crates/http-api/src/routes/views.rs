//! `/api/views`: saved list views (ADR 0029) — the caller's own and the
//! organization's shared ones; created by any member, changed or deleted
//! by their owner or an admin.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::patch::{present, required_change};
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;
use actix_web::web::{Data, Path, Query};
use chrono::{DateTime, Utc};
use clearview_tenancy::{SavedView, ViewEntity, ViewInput};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct SavedViewView {
    pub id: Uuid,
    /// `contact`, `company` or `deal`: the list it is for.
    pub entity: String,
    pub name: String,
    pub owner_id: Uuid,
    /// Shared with the organization (else only its owner sees it).
    pub shared: bool,
    /// The list's query parameters, e.g. `{"owner_id": "…", "q": "acme"}`.
    pub filters: BTreeMap<String, String>,
    /// A sortable field of the list, `-` for descending; `null`: the default.
    pub sort: Option<String>,
    /// The visible columns, in order; empty: the list's default.
    pub columns: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SavedView> for SavedViewView {
    fn from(v: SavedView) -> Self {
        SavedViewView {
            id: v.id,
            entity: v.entity.as_str().into(),
            name: v.name,
            owner_id: v.owner_id.as_uuid(),
            shared: v.shared,
            filters: v.filters,
            sort: v.sort,
            columns: v.columns,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SavedViewList {
    pub data: Vec<SavedViewView>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ViewListParams {
    /// Only the views of this list: `contact`, `company` or `deal`.
    #[param(pattern = "^(contact|company|deal)$")]
    pub entity: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewBody {
    /// `contact`, `company` or `deal`.
    pub entity: String,
    /// 1–100 characters, unique among the owner's views of the list.
    pub name: String,
    /// Default `false`. Viewers keep views private.
    pub shared: Option<bool>,
    /// Query parameters of the list (contacts: q, owner_id, company_id;
    /// companies: q, owner_id; deals: q, owner_id, pipeline_id, stage_id,
    /// status, contact_id, company_id), each one line of at most 200
    /// characters.
    pub filters: Option<BTreeMap<String, String>>,
    /// A sortable field of the list, `-` for descending.
    pub sort: Option<String>,
    /// Columns to show, in order (contacts: email, phone, title, company,
    /// owner, created_at, updated_at; companies: domain, phone, owner,
    /// created_at, updated_at; deals: amount, stage, owner,
    /// expected_close_date, probability, created_at, updated_at).
    pub columns: Option<Vec<String>>,
}

/// A partial change: absent fields stay; `sort: null` returns to the
/// list's default order.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewPatch {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub shared: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    pub filters: Option<Option<BTreeMap<String, String>>>,
    #[serde(default, deserialize_with = "present")]
    pub sort: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub columns: Option<Option<Vec<String>>>,
}

fn entity(raw: &str) -> Result<ViewEntity, ApiError> {
    raw.parse::<ViewEntity>()
        .map_err(|why| ApiError::invalid_field("entity", why))
}

/// The caller's views and the organization's shared ones, by list and name.
#[utoipa::path(get, operation_id = "views_list", path = "/api/views", tag = "views", params(ViewListParams),
    responses((status = 200, body = SavedViewList), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    session: Session,
    state: Data<ApiState>,
    params: Query<ViewListParams>,
) -> Result<HttpResponse, ApiError> {
    let entity = params.entity.as_deref().map(entity).transpose()?;
    let views = state.views.list(&session.ctx, entity).await?;
    Ok(HttpResponse::Ok().json(SavedViewList {
        data: views.into_iter().map(SavedViewView::from).collect(),
    }))
}

/// Saves a view of a list for the caller (private unless `shared`).
#[utoipa::path(post, operation_id = "views_create", path = "/api/views", tag = "views", request_body = ViewBody,
    responses((status = 201, body = SavedViewView), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "The name is taken, or 50 views of the list already"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<ViewBody>,
) -> Result<HttpResponse, ApiError> {
    let entity = entity(&body.entity)?;
    let input = ViewInput {
        name: Some(body.name),
        shared: body.shared,
        filters: body.filters,
        sort: Some(body.sort),
        columns: body.columns,
    };
    let view = state.views.create(&session.ctx, entity, input).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/views/{}", view.id)))
        .json(SavedViewView::from(view)))
}

/// Renames, shares, unshares or re-defines a view (its owner or an admin).
#[utoipa::path(patch, operation_id = "views_patch", path = "/api/views/{id}", tag = "views", request_body = ViewPatch,
    params(("id" = Uuid, Path, description = "The view")),
    responses((status = 200, body = SavedViewView), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<ViewPatch>,
) -> Result<HttpResponse, ApiError> {
    let input = ViewInput {
        name: required_change(body.name, "name")?,
        shared: required_change(body.shared, "shared")?,
        filters: required_change(body.filters, "filters")?,
        sort: body.sort,
        columns: required_change(body.columns, "columns")?,
    };
    let view = state.views.change(&session.ctx, *id, input).await?;
    Ok(HttpResponse::Ok().json(SavedViewView::from(view)))
}

/// Deletes a view (its owner or an admin).
#[utoipa::path(delete, operation_id = "views_delete", path = "/api/views/{id}", tag = "views",
    params(("id" = Uuid, Path, description = "The view")),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    state.views.delete(&session.ctx, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
