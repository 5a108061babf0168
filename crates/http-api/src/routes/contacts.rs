//! `/api/contacts`: create, read, replace, patch, delete and list.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::params::{ListParams, ListQuery, custom_query};
use crate::routes::patch::{present, required_change, set_optional};
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;
use actix_web::web::{Data, Path};
use chrono::{DateTime, Utc};
use clearview_contacts::{CONTACT_SORTS, Contact, ContactInput, ContactQuery};
use clearview_kernel::custom_fields::CustomValues;
use clearview_kernel::{CompanyId, ContactId, Page, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The fields a client sets on create (POST) and replace (PUT).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub company_id: Option<Uuid>,
    /// Defaults to the creator; only admins and managers may name another.
    pub owner_id: Option<Uuid>,
    /// Custom field values by key (`GET /api/custom-fields`): a value
    /// sets the field, `null` clears it, keys not named keep their value.
    #[serde(default)]
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub custom_fields: Option<CustomValues>,
}

impl From<ContactBody> for ContactInput {
    fn from(b: ContactBody) -> Self {
        ContactInput {
            first_name: b.first_name,
            last_name: b.last_name,
            email: b.email,
            phone: b.phone,
            title: b.title,
            company_id: b.company_id.map(CompanyId::from_uuid),
            owner_id: b.owner_id.map(UserId::from_uuid),
            custom_fields: b.custom_fields.unwrap_or_default(),
        }
    }
}

/// A partial change: absent fields stay, `null` clears an optional field.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[serde(default, deserialize_with = "present")]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub company_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "present")]
    pub owner_id: Option<Option<Uuid>>,
    /// Custom field values by key (`GET /api/custom-fields`): a value
    /// sets the field, `null` clears it, keys not named keep their value.
    #[serde(default)]
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub custom_fields: Option<CustomValues>,
}

#[derive(Serialize, ToSchema)]
pub struct ContactView {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub company_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    /// Custom field values by key; a field without a value is absent.
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    pub custom_fields: CustomValues,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        ContactView {
            id: c.id.as_uuid(),
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone: c.phone,
            title: c.title,
            company_id: c.company_id.map(|id| id.as_uuid()),
            owner_id: c.owner_id.map(|id| id.as_uuid()),
            custom_fields: c.custom_fields,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContactPage {
    pub data: Vec<ContactView>,
    pub next_cursor: Option<String>,
}

impl From<Page<Contact>> for ContactPage {
    fn from(page: Page<Contact>) -> Self {
        ContactPage {
            data: page.items.into_iter().map(ContactView::from).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// Builds the domain query from list parameters; `company` scopes it to one
/// company (for `/api/companies/{id}/contacts`).
pub(crate) fn contact_query(
    params: ListQuery<ListParams>,
    company: Option<CompanyId>,
) -> Result<ContactQuery, ApiError> {
    let parsed = params.params.parse(CONTACT_SORTS)?;
    Ok(ContactQuery {
        custom: custom_query(params.params.sort.as_deref(), params.custom),
        search: parsed.search,
        owner_id: parsed.owner_id.map(UserId::from_uuid),
        company_id: company.or(parsed.company_id.map(CompanyId::from_uuid)),
        page: parsed.page,
    })
}

#[utoipa::path(get, operation_id = "contacts_list", path = "/api/contacts", tag = "contacts", params(ListParams),
    responses((status = 200, body = ContactPage), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    session: Session,
    state: Data<ApiState>,
    params: ListQuery<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let query = contact_query(params, None)?;
    let page = state.contacts.list(&session.ctx, &query).await?;
    Ok(HttpResponse::Ok().json(ContactPage::from(page)))
}

#[utoipa::path(post, operation_id = "contacts_create", path = "/api/contacts", tag = "contacts", request_body = ContactBody,
    responses((status = 201, body = ContactView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<ContactBody>,
) -> Result<HttpResponse, ApiError> {
    let contact = state.contacts.create(&session.ctx, body.into()).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/contacts/{}", contact.id)))
        .json(ContactView::from(contact)))
}

#[utoipa::path(get, operation_id = "contacts_get", path = "/api/contacts/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "contacts",
    responses((status = 200, body = ContactView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let contact = state.contacts.get(&session.ctx, ContactId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok().json(ContactView::from(contact)))
}

#[utoipa::path(put, operation_id = "contacts_replace", path = "/api/contacts/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "contacts", request_body = ContactBody,
    responses((status = 200, body = ContactView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn replace(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<ContactBody>,
) -> Result<HttpResponse, ApiError> {
    let contact = state
        .contacts
        .replace(&session.ctx, ContactId::from_uuid(*id), body.into())
        .await?;
    Ok(HttpResponse::Ok().json(ContactView::from(contact)))
}

#[utoipa::path(patch, operation_id = "contacts_patch", path = "/api/contacts/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "contacts", request_body = ContactPatch,
    responses((status = 200, body = ContactView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<ContactPatch>,
) -> Result<HttpResponse, ApiError> {
    // Refuse `null` on required fields before touching anything.
    let first_name = required_change(body.first_name, "first_name")?;
    let last_name = required_change(body.last_name, "last_name")?;
    let contact = state
        .contacts
        .patch(&session.ctx, ContactId::from_uuid(*id), move |input| {
            if let Some(value) = first_name {
                input.first_name = value;
            }
            if let Some(value) = last_name {
                input.last_name = value;
            }
            set_optional(&mut input.email, body.email);
            set_optional(&mut input.phone, body.phone);
            set_optional(&mut input.title, body.title);
            set_optional(
                &mut input.company_id,
                body.company_id.map(|c| c.map(CompanyId::from_uuid)),
            );
            set_optional(&mut input.owner_id, body.owner_id.map(|o| o.map(UserId::from_uuid)));
            input.custom_fields = body.custom_fields.unwrap_or_default();
        })
        .await?;
    Ok(HttpResponse::Ok().json(ContactView::from(contact)))
}

#[utoipa::path(delete, operation_id = "contacts_delete", path = "/api/contacts/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "contacts",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    state.contacts.delete(&session.ctx, ContactId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
