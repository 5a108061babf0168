//! `/api/custom-fields`: the fields admins define on contacts, companies
//! and deals (ADR 0034). Every member reads them; only admins change them.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::audit::origin;
use crate::routes::patch::{present, required_change};
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::http::header::LOCATION;
use actix_web::web::{Data, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use clearview_kernel::custom_fields::{CustomEntity, FieldDefinition, FieldInput, FieldPatch, OptionInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldOption {
    /// Stable: values hold it. Omit for a new option (made from the label);
    /// keep it to rename an option without touching its values.
    #[serde(default)]
    pub key: Option<String>,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct CustomFieldView {
    pub id: Uuid,
    /// `contact`, `company` or `deal`.
    pub entity: String,
    /// The name in `custom_fields`, filters (`cf.<key>`) and CSV columns.
    pub key: String,
    pub label: String,
    /// text, long_text, number, currency, date, boolean, single_select,
    /// multi_select.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub field_type: String,
    pub options: Vec<FieldOption>,
    /// The currency of a currency field's amounts.
    pub currency: Option<String>,
    pub required: bool,
    pub position: i32,
}

impl From<FieldDefinition> for CustomFieldView {
    fn from(f: FieldDefinition) -> Self {
        CustomFieldView {
            id: f.id,
            entity: f.entity.as_str().into(),
            key: f.key,
            label: f.label,
            field_type: f.field_type.as_str().into(),
            options: f
                .options
                .into_iter()
                .map(|o| FieldOption {
                    key: Some(o.key),
                    label: o.label,
                })
                .collect(),
            currency: f.currency.map(|c| c.as_str().to_owned()),
            required: f.required,
            position: f.position,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CustomFieldList {
    pub data: Vec<CustomFieldView>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomFieldListParams {
    /// Only the fields of `contact`, `company` or `deal`.
    #[param(pattern = "^(contact|company|deal)$")]
    pub entity: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldBody {
    /// `contact`, `company` or `deal`.
    pub entity: String,
    /// A lower-case letter, then lower-case letters, digits or `_` (at most
    /// 40); unique per entity; cannot change later.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,39}$")]
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub field_type: String,
    /// Single- and multi-select fields only (1 to 200).
    #[serde(default)]
    pub options: Vec<FieldOption>,
    /// Currency fields only, and required for them (ISO 4217).
    pub currency: Option<String>,
    /// New records must have a value; existing ones may not clear it.
    #[serde(default)]
    pub required: bool,
    pub position: Option<i32>,
}

/// What may change: the key, type, entity and currency stay. Options
/// missing from a new list are removed with their values.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldPatch {
    #[serde(default, deserialize_with = "present")]
    pub label: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub options: Option<Option<Vec<FieldOption>>>,
    #[serde(default, deserialize_with = "present")]
    pub required: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    pub position: Option<Option<i32>>,
}

fn options(given: Vec<FieldOption>) -> Vec<OptionInput> {
    given
        .into_iter()
        .map(|o| OptionInput {
            key: o.key,
            label: o.label,
        })
        .collect()
}

/// The organization's custom fields, by entity and position.
#[utoipa::path(get, operation_id = "custom_fields_list", path = "/api/custom-fields", tag = "custom-fields",
    params(CustomFieldListParams),
    responses((status = 200, body = CustomFieldList), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    session: Session,
    state: Data<ApiState>,
    params: Query<CustomFieldListParams>,
) -> Result<HttpResponse, ApiError> {
    let entity = params
        .entity
        .as_deref()
        .map(CustomEntity::parse)
        .transpose()
        .map_err(|why| ApiError::invalid_field("entity", why))?;
    let fields = state.custom_fields.list(&session.ctx, entity).await?;
    Ok(HttpResponse::Ok().json(CustomFieldList {
        data: fields.into_iter().map(CustomFieldView::from).collect(),
    }))
}

/// Defines a field (admins).
#[utoipa::path(post, operation_id = "custom_fields_create", path = "/api/custom-fields", tag = "custom-fields",
    request_body = CustomFieldBody,
    responses((status = 201, body = CustomFieldView), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json", description = "The entity has a field with this key"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<CustomFieldBody>,
) -> Result<HttpResponse, ApiError> {
    let input = FieldInput {
        entity: body.entity,
        key: body.key,
        label: body.label,
        field_type: body.field_type,
        options: options(body.options),
        currency: body.currency,
        required: body.required,
        position: body.position,
    };
    let field = CustomFieldView::from(state.custom_fields.create(&session.ctx, input, &origin(&req)).await?);
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/custom-fields/{}", field.id)))
        .json(field))
}

/// Renames a field, changes its options, required flag or position (admins).
#[utoipa::path(patch, operation_id = "custom_fields_patch", path = "/api/custom-fields/{id}", tag = "custom-fields",
    request_body = CustomFieldPatch, params(("id" = Uuid, Path, description = "The field")),
    responses((status = 200, body = CustomFieldView), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<CustomFieldPatch>,
) -> Result<HttpResponse, ApiError> {
    let patch = FieldPatch {
        label: required_change(body.label, "label")?,
        options: required_change(body.options, "options")?.map(options),
        required: required_change(body.required, "required")?,
        position: required_change(body.position, "position")?,
    };
    let field = CustomFieldView::from(
        state
            .custom_fields
            .update(&session.ctx, *id, patch, &origin(&req))
            .await?,
    );
    Ok(HttpResponse::Ok().json(field))
}

/// Deletes a field and every value of it (admins).
#[utoipa::path(delete, operation_id = "custom_fields_delete", path = "/api/custom-fields/{id}", tag = "custom-fields",
    params(("id" = Uuid, Path, description = "The field")),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    state.custom_fields.delete(&session.ctx, *id, &origin(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
