//! `/api/companies`: create, read, replace, patch, delete and list, plus the
//! company's contacts.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::contacts::{ContactPage, contact_query};
use crate::routes::params::{ListParams, ListQuery, custom_query};
use crate::routes::patch::{present, required_change, set_optional};
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;
use actix_web::web::{Data, Path};
use chrono::{DateTime, Utc};
use clearview_contacts::{COMPANY_SORTS, Company, CompanyInput, CompanyQuery};
use clearview_kernel::custom_fields::CustomValues;
use clearview_kernel::{CompanyId, Page, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyBody {
    pub name: String,
    /// A web domain, unique in the organization; URLs are reduced to it.
    pub domain: Option<String>,
    pub phone: Option<String>,
    pub owner_id: Option<Uuid>,
    /// Custom field values by key (`GET /api/custom-fields`): a value
    /// sets the field, `null` clears it, keys not named keep their value.
    #[serde(default)]
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub custom_fields: Option<CustomValues>,
}

impl From<CompanyBody> for CompanyInput {
    fn from(b: CompanyBody) -> Self {
        CompanyInput {
            name: b.name,
            domain: b.domain,
            phone: b.phone,
            owner_id: b.owner_id.map(UserId::from_uuid),
            custom_fields: b.custom_fields.unwrap_or_default(),
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CompanyPatch {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub domain: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub owner_id: Option<Option<Uuid>>,
    /// Custom field values by key (`GET /api/custom-fields`): a value
    /// sets the field, `null` clears it, keys not named keep their value.
    #[serde(default)]
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub custom_fields: Option<CustomValues>,
}

#[derive(Serialize, ToSchema)]
pub struct CompanyView {
    pub id: Uuid,
    pub name: String,
    pub domain: Option<String>,
    pub phone: Option<String>,
    pub owner_id: Option<Uuid>,
    /// Custom field values by key; a field without a value is absent.
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    pub custom_fields: CustomValues,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Company> for CompanyView {
    fn from(c: Company) -> Self {
        CompanyView {
            id: c.id.as_uuid(),
            name: c.name,
            domain: c.domain,
            phone: c.phone,
            owner_id: c.owner_id.map(|id| id.as_uuid()),
            custom_fields: c.custom_fields,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CompanyPage {
    pub data: Vec<CompanyView>,
    pub next_cursor: Option<String>,
}

impl From<Page<Company>> for CompanyPage {
    fn from(page: Page<Company>) -> Self {
        CompanyPage {
            data: page.items.into_iter().map(CompanyView::from).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

#[utoipa::path(get, operation_id = "companies_list", path = "/api/companies", tag = "companies", params(ListParams),
    responses((status = 200, body = CompanyPage), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    session: Session,
    state: Data<ApiState>,
    params: ListQuery<ListParams>,
) -> Result<HttpResponse, ApiError> {
    if params.params.company_id.is_some() {
        return Err(ApiError::invalid_field(
            "company_id",
            "is not a parameter of this route",
        ));
    }
    let parsed = params.params.parse(COMPANY_SORTS)?;
    let query = CompanyQuery {
        custom: custom_query(params.params.sort.as_deref(), params.custom),
        search: parsed.search,
        owner_id: parsed.owner_id.map(UserId::from_uuid),
        page: parsed.page,
    };
    let page = state.companies.list(&session.ctx, &query).await?;
    Ok(HttpResponse::Ok().json(CompanyPage::from(page)))
}

#[utoipa::path(post, operation_id = "companies_create", path = "/api/companies", tag = "companies", request_body = CompanyBody,
    responses((status = 201, body = CompanyView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<CompanyBody>,
) -> Result<HttpResponse, ApiError> {
    let company = state.companies.create(&session.ctx, body.into()).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/companies/{}", company.id)))
        .json(CompanyView::from(company)))
}

#[utoipa::path(get, operation_id = "companies_get", path = "/api/companies/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "companies",
    responses((status = 200, body = CompanyView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let company = state.companies.get(&session.ctx, CompanyId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok().json(CompanyView::from(company)))
}

#[utoipa::path(put, operation_id = "companies_replace", path = "/api/companies/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "companies", request_body = CompanyBody,
    responses((status = 200, body = CompanyView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn replace(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<CompanyBody>,
) -> Result<HttpResponse, ApiError> {
    let company = state
        .companies
        .replace(&session.ctx, CompanyId::from_uuid(*id), body.into())
        .await?;
    Ok(HttpResponse::Ok().json(CompanyView::from(company)))
}

#[utoipa::path(patch, operation_id = "companies_patch", path = "/api/companies/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "companies", request_body = CompanyPatch,
    responses((status = 200, body = CompanyView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<CompanyPatch>,
) -> Result<HttpResponse, ApiError> {
    let name = required_change(body.name, "name")?;
    let company = state
        .companies
        .patch(&session.ctx, CompanyId::from_uuid(*id), move |input| {
            if let Some(value) = name {
                input.name = value;
            }
            set_optional(&mut input.domain, body.domain);
            set_optional(&mut input.phone, body.phone);
            set_optional(&mut input.owner_id, body.owner_id.map(|o| o.map(UserId::from_uuid)));
            input.custom_fields = body.custom_fields.unwrap_or_default();
        })
        .await?;
    Ok(HttpResponse::Ok().json(CompanyView::from(company)))
}

#[utoipa::path(delete, operation_id = "companies_delete", path = "/api/companies/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "companies",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    state.companies.delete(&session.ctx, CompanyId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The company's contacts, with the same filters and paging as the list.
#[utoipa::path(get, operation_id = "companies_contacts", path = "/api/companies/{id}/contacts", tag = "companies", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)"), ListParams),
    responses((status = 200, body = ContactPage), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn contacts(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    params: ListQuery<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let company = CompanyId::from_uuid(*id);
    // 404 for a company the caller cannot see, not an empty list.
    state.companies.get(&session.ctx, company).await?;
    let query = contact_query(params, Some(company))?;
    let page = state.contacts.list(&session.ctx, &query).await?;
    Ok(HttpResponse::Ok().json(ContactPage::from(page)))
}
