//! `/api/deals`: deals, their stage history, and the deals of a contact or
//! company.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::params::{ListQuery, custom_query, list_sort, page_param, uuid_param};
use crate::routes::patch::{present, required_change, set_optional};
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;
use actix_web::web::{Data, Path};
use chrono::{DateTime, NaiveDate, Utc};
use clearview_deals::{DEAL_SORTS, Deal, DealInput, DealQuery, StageChange};
use clearview_kernel::custom_fields::CustomValues;
use clearview_kernel::{
    CompanyId, ContactId, Cursor, DealId, Page, PipelineId, SearchTerm, Sort, StageId, UserId, ValidationErrors,
    money_string,
};
use clearview_pipelines::weighted;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The fields a client sets on create (POST) and replace (PUT).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealBody {
    pub title: String,
    /// A decimal string, e.g. "12500.00" (never a float).
    pub amount: String,
    /// ISO-4217, e.g. "USD".
    pub currency: String,
    /// Default: the organization's default pipeline.
    pub pipeline_id: Option<Uuid>,
    /// Default: the pipeline's first open stage.
    pub stage_id: Option<Uuid>,
    #[serde(default)]
    pub contact_ids: Vec<Uuid>,
    pub company_id: Option<Uuid>,
    pub expected_close_date: Option<NaiveDate>,
    /// 0..=100; absent or null: the stage's probability.
    pub probability: Option<i64>,
    pub owner_id: Option<Uuid>,
    /// Only for a deal in a lost stage.
    pub lost_reason: Option<String>,
    /// Custom field values by key (`GET /api/custom-fields`): a value
    /// sets the field, `null` clears it, keys not named keep their value.
    #[serde(default)]
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub custom_fields: Option<CustomValues>,
}

impl From<DealBody> for DealInput {
    fn from(b: DealBody) -> Self {
        DealInput {
            title: b.title,
            amount: b.amount,
            currency: b.currency,
            pipeline_id: b.pipeline_id.map(PipelineId::from_uuid),
            stage_id: b.stage_id.map(StageId::from_uuid),
            contact_ids: b.contact_ids.into_iter().map(ContactId::from_uuid).collect(),
            company_id: b.company_id.map(CompanyId::from_uuid),
            expected_close_date: b.expected_close_date,
            probability: b.probability,
            owner_id: b.owner_id.map(UserId::from_uuid),
            lost_reason: b.lost_reason,
            custom_fields: b.custom_fields.unwrap_or_default(),
        }
    }
}

/// A partial change: absent fields stay, `null` clears an optional field
/// (`probability: null` returns to the stage's probability).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DealPatch {
    #[serde(default, deserialize_with = "present")]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub amount: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub currency: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub pipeline_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "present")]
    pub stage_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "present")]
    pub contact_ids: Option<Option<Vec<Uuid>>>,
    #[serde(default, deserialize_with = "present")]
    pub company_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "present")]
    pub expected_close_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "present")]
    pub probability: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub owner_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "present")]
    pub lost_reason: Option<Option<String>>,
    /// Custom field values by key (`GET /api/custom-fields`): a value
    /// sets the field, `null` clears it, keys not named keep their value.
    #[serde(default)]
    #[schema(value_type = Option<HashMap<String, serde_json::Value>>)]
    pub custom_fields: Option<CustomValues>,
}

#[derive(Serialize, ToSchema)]
pub struct DealView {
    pub id: Uuid,
    pub title: String,
    pub amount: String,
    pub currency: String,
    pub pipeline_id: Uuid,
    pub stage_id: Uuid,
    /// open, won or lost: the kind of the deal's stage.
    pub status: String,
    /// The probability that counts: the deal's override, else the stage's.
    pub probability: u8,
    pub stage_probability: u8,
    pub probability_overridden: bool,
    /// amount × probability / 100, exact.
    pub weighted_amount: String,
    pub contact_ids: Vec<Uuid>,
    pub company_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub expected_close_date: Option<NaiveDate>,
    pub closed_at: Option<DateTime<Utc>>,
    pub lost_reason: Option<String>,
    /// Custom field values by key; a field without a value is absent.
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    pub custom_fields: CustomValues,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Deal> for DealView {
    fn from(d: Deal) -> Self {
        let probability = d.effective_probability();
        DealView {
            id: d.id.as_uuid(),
            amount: d.amount.to_string(),
            weighted_amount: money_string(weighted(d.amount, probability)),
            title: d.title,
            currency: d.currency.as_str().into(),
            pipeline_id: d.pipeline_id.as_uuid(),
            stage_id: d.stage_id.as_uuid(),
            status: d.status.as_str().into(),
            probability,
            stage_probability: d.stage_probability,
            probability_overridden: d.probability.is_some(),
            contact_ids: d.contact_ids.iter().map(|c| c.as_uuid()).collect(),
            company_id: d.company_id.map(|c| c.as_uuid()),
            owner_id: d.owner_id.map(|o| o.as_uuid()),
            expected_close_date: d.expected_close_date,
            closed_at: d.closed_at,
            lost_reason: d.lost_reason,
            custom_fields: d.custom_fields,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DealPage {
    pub data: Vec<DealView>,
    pub next_cursor: Option<String>,
}

impl From<Page<Deal>> for DealPage {
    fn from(page: Page<Deal>) -> Self {
        DealPage {
            data: page.items.into_iter().map(DealView::from).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StageChangeView {
    pub from_stage_id: Option<Uuid>,
    pub from_stage_name: Option<String>,
    pub to_stage_id: Uuid,
    pub to_stage_name: String,
    pub changed_by: Option<Uuid>,
    pub changed_at: DateTime<Utc>,
}

impl From<StageChange> for StageChangeView {
    fn from(c: StageChange) -> Self {
        StageChangeView {
            from_stage_id: c.from_stage_id.map(|s| s.as_uuid()),
            from_stage_name: c.from_stage_name,
            to_stage_id: c.to_stage_id.as_uuid(),
            to_stage_name: c.to_stage_name,
            changed_by: c.changed_by.map(|u| u.as_uuid()),
            changed_at: c.changed_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StageHistory {
    pub data: Vec<StageChangeView>,
}

/// The cursor after a deal in the default (`-created_at`) order, as the
/// board hands it out for paging one stage through `GET /api/deals`.
pub fn deal_cursor(deal: &Deal) -> String {
    Cursor::at(deal.created_at, deal.id.as_uuid()).encode(Sort {
        field: "created_at",
        descending: true,
    })
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DealListParams {
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
    /// created_at, updated_at, title, amount or `cf.<key>` (a custom
    /// field); `-` for descending. Default `-created_at`. Custom field
    /// filters: `cf.<key>=`, `cf.<key>.gte=`, `cf.<key>.lte=`.
    pub sort: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

impl DealListParams {
    fn into_query(self, custom: Vec<(String, String)>) -> Result<DealQuery, ApiError> {
        let mut errors = ValidationErrors::new();
        let pipeline_id = uuid_param(&mut errors, "pipeline_id", self.pipeline_id.as_deref());
        let stage_id = uuid_param(&mut errors, "stage_id", self.stage_id.as_deref());
        let owner_id = uuid_param(&mut errors, "owner_id", self.owner_id.as_deref());
        let contact_id = uuid_param(&mut errors, "contact_id", self.contact_id.as_deref());
        let company_id = uuid_param(&mut errors, "company_id", self.company_id.as_deref());
        let status = self.status.as_deref().and_then(|s| errors.check("status", s.parse()));
        let search = errors
            .check("q", SearchTerm::parse(self.q.as_deref().unwrap_or_default()))
            .flatten();
        let sort = list_sort(&mut errors, self.sort.as_deref(), "-created_at", DEAL_SORTS);
        let custom = custom_query(self.sort.as_deref(), custom);
        let page = page_param(&mut errors, sort, self.limit.as_deref(), self.cursor.as_deref());
        match page {
            Some(page) if errors.is_empty() => Ok(DealQuery {
                pipeline_id: pipeline_id.map(PipelineId::from_uuid),
                stage_id: stage_id.map(StageId::from_uuid),
                status,
                owner_id: owner_id.map(UserId::from_uuid),
                contact_id: contact_id.map(ContactId::from_uuid),
                company_id: company_id.map(CompanyId::from_uuid),
                search,
                custom,
                page,
            }),
            _ => Err(ApiError::invalid(errors)),
        }
    }
}

#[utoipa::path(get, operation_id = "deals_list", path = "/api/deals", tag = "deals", params(DealListParams),
    responses((status = 200, body = DealPage), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    session: Session,
    state: Data<ApiState>,
    params: ListQuery<DealListParams>,
) -> Result<HttpResponse, ApiError> {
    let query = params.params.into_query(params.custom)?;
    let page = state.deals.list(&session.ctx, &query).await?;
    Ok(HttpResponse::Ok().json(DealPage::from(page)))
}

#[utoipa::path(post, operation_id = "deals_create", path = "/api/deals", tag = "deals", request_body = DealBody,
    responses((status = 201, body = DealView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<DealBody>,
) -> Result<HttpResponse, ApiError> {
    let deal = state.deals.create(&session.ctx, body.into()).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/deals/{}", deal.id)))
        .json(DealView::from(deal)))
}

#[utoipa::path(get, operation_id = "deals_get", path = "/api/deals/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "deals",
    responses((status = 200, body = DealView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let deal = state.deals.get(&session.ctx, DealId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok().json(DealView::from(deal)))
}

#[utoipa::path(put, operation_id = "deals_replace", path = "/api/deals/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "deals", request_body = DealBody,
    responses((status = 200, body = DealView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn replace(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<DealBody>,
) -> Result<HttpResponse, ApiError> {
    let deal = state
        .deals
        .replace(&session.ctx, DealId::from_uuid(*id), body.into())
        .await?;
    Ok(HttpResponse::Ok().json(DealView::from(deal)))
}

/// Changes a deal: moving `stage_id` is recorded in its history, a won or
/// lost stage closes it, `probability` overrides the stage's.
#[utoipa::path(patch, operation_id = "deals_patch", path = "/api/deals/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "deals", request_body = DealPatch,
    responses((status = 200, body = DealView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<DealPatch>,
) -> Result<HttpResponse, ApiError> {
    let title = required_change(body.title, "title")?;
    let amount = required_change(body.amount, "amount")?;
    let currency = required_change(body.currency, "currency")?;
    let pipeline = required_change(body.pipeline_id, "pipeline_id")?;
    let stage = required_change(body.stage_id, "stage_id")?;
    let deal = state
        .deals
        .patch(&session.ctx, DealId::from_uuid(*id), move |input| {
            if let Some(v) = title {
                input.title = v;
            }
            if let Some(v) = amount {
                input.amount = v;
            }
            if let Some(v) = currency {
                input.currency = v;
            }
            if let Some(v) = pipeline {
                input.pipeline_id = Some(PipelineId::from_uuid(v));
            }
            if let Some(v) = stage {
                input.stage_id = Some(StageId::from_uuid(v));
            }
            if let Some(ids) = body.contact_ids {
                input.contact_ids = ids.unwrap_or_default().into_iter().map(ContactId::from_uuid).collect();
            }
            set_optional(
                &mut input.company_id,
                body.company_id.map(|c| c.map(CompanyId::from_uuid)),
            );
            set_optional(&mut input.expected_close_date, body.expected_close_date);
            set_optional(&mut input.probability, body.probability);
            set_optional(&mut input.owner_id, body.owner_id.map(|o| o.map(UserId::from_uuid)));
            set_optional(&mut input.lost_reason, body.lost_reason);
            input.custom_fields = body.custom_fields.unwrap_or_default();
        })
        .await?;
    Ok(HttpResponse::Ok().json(DealView::from(deal)))
}

#[utoipa::path(delete, operation_id = "deals_delete", path = "/api/deals/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "deals",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    state.deals.delete(&session.ctx, DealId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every stage move of the deal, oldest first: who, when, from, to.
#[utoipa::path(get, operation_id = "deals_history", path = "/api/deals/{id}/history", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "deals",
    responses((status = 200, body = StageHistory), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn history(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let changes = state.deals.history(&session.ctx, DealId::from_uuid(*id)).await?;
    Ok(HttpResponse::Ok().json(StageHistory {
        data: changes.into_iter().map(StageChangeView::from).collect(),
    }))
}

/// The deals of one contact.
#[utoipa::path(get, operation_id = "deals_of_contact", path = "/api/contacts/{id}/deals", tag = "contacts", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)"), DealListParams),
    responses((status = 200, body = DealPage), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn of_contact(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    params: ListQuery<DealListParams>,
) -> Result<HttpResponse, ApiError> {
    let contact = ContactId::from_uuid(*id);
    state.contacts.get(&session.ctx, contact).await?;
    let mut query = params.params.into_query(params.custom)?;
    query.contact_id = Some(contact);
    let page = state.deals.list(&session.ctx, &query).await?;
    Ok(HttpResponse::Ok().json(DealPage::from(page)))
}

/// The deals of one company.
#[utoipa::path(get, operation_id = "deals_of_company", path = "/api/companies/{id}/deals", tag = "companies", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)"), DealListParams),
    responses((status = 200, body = DealPage), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn of_company(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    params: ListQuery<DealListParams>,
) -> Result<HttpResponse, ApiError> {
    let company = CompanyId::from_uuid(*id);
    state.companies.get(&session.ctx, company).await?;
    let mut query = params.params.into_query(params.custom)?;
    query.company_id = Some(company);
    let page = state.deals.list(&session.ctx, &query).await?;
    Ok(HttpResponse::Ok().json(DealPage::from(page)))
}
