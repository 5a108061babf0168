//! `GET /api/{contacts|companies}/duplicates` and `POST /api/{contacts|companies}/merge`
//! (ADR 0032): likely pairs, and merging one record into another — the
//! loser's links move to the winner, the loser goes to the trash, and
//! restoring it there undoes the merge.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::audit::origin;
use crate::routes::companies::CompanyView;
use crate::routes::contacts::ContactView;
use crate::routes::params::limit_param;
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::web::{Data, Query};
use actix_web::{HttpRequest, HttpResponse};
use clearview_contacts::{DuplicatePair, DuplicateQuery, MergeOutcome, MergePlan, Mergeable, PAIR_SORT};
use clearview_kernel::{Cursor, Page, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// `?limit&cursor`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DuplicateParams {
    /// 1..=200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl DuplicateParams {
    fn parse(&self) -> Result<DuplicateQuery, ApiError> {
        let mut errors = ValidationErrors::new();
        let limit = limit_param(&mut errors, self.limit.as_deref());
        let after = match self.cursor.as_deref() {
            None => Some(None),
            Some(raw) => errors
                .check(
                    "cursor",
                    Cursor::decode(raw, PAIR_SORT).and_then(|c| {
                        Uuid::try_parse(&c.value)
                            .map(|second| (c.id, second))
                            .map_err(|_| "is not a valid cursor for this list".to_owned())
                    }),
                )
                .map(Some),
        };
        match (limit, after) {
            (Some(limit), Some(after)) if errors.is_empty() => Ok(DuplicateQuery { limit, after }),
            _ => Err(ApiError::invalid(errors)),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DuplicateSide {
    pub id: Uuid,
    /// A contact's full name or a company's name.
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct DuplicatePairView {
    /// The older record of the two.
    pub first: DuplicateSide,
    pub second: DuplicateSide,
    /// How alike the names are, 0 to 1 (trigram similarity).
    pub similarity: f32,
    /// `same_name`, `similar_name`, `same_phone`.
    pub reasons: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DuplicatePage {
    pub data: Vec<DuplicatePairView>,
    pub next_cursor: Option<String>,
}

impl From<Page<DuplicatePair>> for DuplicatePage {
    fn from(page: Page<DuplicatePair>) -> Self {
        DuplicatePage {
            data: page
                .items
                .into_iter()
                .map(|p| DuplicatePairView {
                    first: DuplicateSide {
                        id: p.first,
                        name: p.first_label,
                    },
                    second: DuplicateSide {
                        id: p.second,
                        name: p.second_label,
                    },
                    similarity: p.similarity,
                    reasons: p.reasons.iter().map(|r| r.as_str().to_owned()).collect(),
                })
                .collect(),
            next_cursor: page.next_cursor,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The record that stays.
    pub winner_id: Uuid,
    /// The record merged into it, then moved to the trash.
    pub loser_id: Uuid,
    /// Per field, whose value the winner keeps: `{"email": "loser"}`. A
    /// field not named keeps the winner's value, or takes the loser's when
    /// the winner has none. Contacts: first_name, last_name, email, phone,
    /// title, company_id, owner_id; companies: name, domain, phone, owner_id.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Answer what would happen and write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What a merge did, or would do in a dry run.
#[derive(Serialize, ToSchema)]
pub struct MergeResult<V> {
    pub dry_run: bool,
    /// The winner as it is (would be) afterwards.
    pub winner: V,
    pub loser_id: Uuid,
    /// Rows that point (would point) at the winner instead: `deals`,
    /// `activities`, and for companies `contacts`.
    pub moved: BTreeMap<String, i64>,
    /// The winner's fields that took the loser's value.
    pub fields: Vec<String>,
}

fn result<R, V: From<R>>(plan: &MergePlan, outcome: MergeOutcome<R>) -> MergeResult<V> {
    MergeResult {
        dry_run: plan.dry_run,
        winner: V::from(outcome.winner),
        loser_id: plan.loser,
        moved: outcome.moved,
        fields: outcome.fields,
    }
}

fn plan<K: Mergeable>(body: &MergeBody) -> Result<MergePlan, ApiError> {
    MergePlan::new::<K>(
        K::id_from(body.winner_id),
        K::id_from(body.loser_id),
        &body.fields,
        body.dry_run,
    )
    .map_err(ApiError::invalid)
}

/// Likely duplicate contacts: the same or a similar name (same last name),
/// or the same phone number.
#[utoipa::path(get, operation_id = "contacts_duplicates", path = "/api/contacts/duplicates", params(DuplicateParams), tag = "contacts",
    responses((status = 200, body = DuplicatePage), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn contact_duplicates(
    session: Session,
    state: Data<ApiState>,
    params: Query<DuplicateParams>,
) -> Result<HttpResponse, ApiError> {
    let page = state.contact_merges.duplicates(&session.ctx, &params.parse()?).await?;
    Ok(HttpResponse::Ok().json(DuplicatePage::from(page)))
}

/// Likely duplicate companies: names alike by trigram.
#[utoipa::path(get, operation_id = "companies_duplicates", path = "/api/companies/duplicates", params(DuplicateParams), tag = "companies",
    responses((status = 200, body = DuplicatePage), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn company_duplicates(
    session: Session,
    state: Data<ApiState>,
    params: Query<DuplicateParams>,
) -> Result<HttpResponse, ApiError> {
    let page = state.company_merges.duplicates(&session.ctx, &params.parse()?).await?;
    Ok(HttpResponse::Ok().json(DuplicatePage::from(page)))
}

/// Merges the loser contact into the winner: its deals and activities move
/// over, the chosen values are taken, and it goes to the trash (restoring
/// it from there undoes the merge).
#[utoipa::path(post, operation_id = "contacts_merge", path = "/api/contacts/merge", request_body = MergeBody, tag = "contacts",
    responses((status = 200, body = MergeResult<ContactView>), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn merge_contacts(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<MergeBody>,
) -> Result<HttpResponse, ApiError> {
    let plan = plan::<clearview_contacts::Contacts>(&body)?;
    let outcome = state.contact_merges.merge(&session.ctx, &plan, &origin(&req)).await?;
    Ok(HttpResponse::Ok().json(result::<_, ContactView>(&plan, outcome)))
}

/// Merges the loser company into the winner: its contacts, deals and
/// activities move over, the chosen values are taken, and it goes to the
/// trash (restoring it from there undoes the merge).
#[utoipa::path(post, operation_id = "companies_merge", path = "/api/companies/merge", request_body = MergeBody, tag = "companies",
    responses((status = 200, body = MergeResult<CompanyView>), (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn merge_companies(
    req: HttpRequest,
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<MergeBody>,
) -> Result<HttpResponse, ApiError> {
    let plan = plan::<clearview_contacts::Companies>(&body)?;
    let outcome = state.company_merges.merge(&session.ctx, &plan, &origin(&req)).await?;
    Ok(HttpResponse::Ok().json(result::<_, CompanyView>(&plan, outcome)))
}
