//! `/api/pipelines`: pipelines, their stages, and the board.

use crate::json::ValidJson;
use crate::problem::{ApiError, Problem};
use crate::routes::deals::{DealView, deal_cursor};
use crate::routes::params::limit_param;
use crate::routes::rates::{BaseParts, BaseTotalView, money};
use crate::security::session::Session;
use crate::state::ApiState;
use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;
use actix_web::web::{Data, Path, Query};
use chrono::{DateTime, Utc};
use clearview_kernel::{PipelineId, StageId, ValidationErrors, money_string, required_text};
use clearview_pipelines::{
    NewPipeline, Pipeline, Probability, Stage, StagePatch, StageSpec, base_total, convert, totals_by_currency,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct StageView {
    pub id: Uuid,
    pub name: String,
    pub position: u32,
    pub probability: u8,
    /// open, won or lost.
    pub kind: String,
    /// Days without an activity after which an open deal here counts as
    /// rotting; `null`: the rotting report's default.
    pub rotting_days: Option<u16>,
}

impl From<&Stage> for StageView {
    fn from(s: &Stage) -> Self {
        StageView {
            id: s.id.as_uuid(),
            name: s.name.clone(),
            position: s.position,
            probability: s.probability.get(),
            kind: s.kind.as_str().into(),
            rotting_days: s.rotting_days,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PipelineView {
    pub id: Uuid,
    pub name: String,
    pub is_default: bool,
    pub stages: Vec<StageView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Pipeline> for PipelineView {
    fn from(p: Pipeline) -> Self {
        PipelineView {
            id: p.id.as_uuid(),
            name: p.name,
            is_default: p.is_default,
            stages: p.stages.iter().map(StageView::from).collect(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PipelineList {
    pub data: Vec<PipelineView>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageBody {
    pub name: String,
    pub probability: i64,
    /// open, won or lost.
    pub kind: String,
    /// 0-based place in the pipeline (new stages only; default: last).
    #[serde(default)]
    pub position: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelineBody {
    pub name: String,
    pub stages: Vec<StageBody>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelinePatch {
    pub name: Option<String>,
    /// `true` makes this the default pipeline (the previous one stops being it).
    pub is_default: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StagePatchBody {
    pub name: Option<String>,
    pub probability: Option<i64>,
    pub kind: Option<String>,
    /// 1..=365 days, or `null` for the rotting report's default.
    #[serde(default, deserialize_with = "crate::routes::patch::present")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 365)]
    pub rotting_days: Option<Option<i64>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageOrder {
    pub stage_ids: Vec<Uuid>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeleteStageParams {
    /// Where the stage's deals go; required when it holds deals.
    pub move_to_stage_id: Option<Uuid>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BoardParams {
    /// Deals shown per stage, 1..=200 (default 50); page further with
    /// `GET /api/deals?stage_id=…&cursor=<the stage's next_cursor>`.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MoneyTotal {
    pub currency: String,
    pub amount: String,
    pub weighted_amount: String,
    /// The same in the organization's currency, at the rate in force today
    /// (`rate`, `rate_date`); `null` when no rate is in force.
    pub base_amount: Option<String>,
    pub base_weighted_amount: Option<String>,
    #[serde(flatten)]
    pub base: BaseParts,
}

#[derive(Serialize, ToSchema)]
pub struct BoardColumn {
    pub stage: StageView,
    /// Every deal of the stage (not just those shown).
    pub count: i64,
    pub totals: Vec<MoneyTotal>,
    /// Every currency's total together, in the organization's currency.
    pub base_total: BaseTotalView,
    pub deals: Vec<DealView>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Board {
    pub pipeline: PipelineView,
    pub stages: Vec<BoardColumn>,
}

fn pipeline_id(id: &Path<Uuid>) -> PipelineId {
    PipelineId::from_uuid(**id)
}

#[utoipa::path(get, operation_id = "pipelines_list", path = "/api/pipelines", tag = "pipelines", responses((status = 200, body = PipelineList)))]
pub async fn list(session: Session, state: Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let pipelines = state.pipelines.list(&session.ctx).await?;
    Ok(HttpResponse::Ok().json(PipelineList {
        data: pipelines.into_iter().map(PipelineView::from).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(post, operation_id = "pipelines_create", path = "/api/pipelines", tag = "pipelines", request_body = PipelineBody,
    responses((status = 201, body = PipelineView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    session: Session,
    state: Data<ApiState>,
    ValidJson(body): ValidJson<PipelineBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let stages: Vec<Option<StageSpec>> = body
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| StageSpec::parse(&format!("stages[{i}]."), &s.name, s.probability, &s.kind, &mut errors))
        .collect();
    if stages.iter().any(Option::is_none) {
        // Report the bad stages (and the name), not a misleading stage count.
        errors.check("name", required_text(&body.name, 100));
        return Err(ApiError::invalid(errors));
    }
    let stages = stages.into_iter().flatten().collect();
    let new = NewPipeline::new(&body.name, stages, &mut errors).ok_or_else(|| ApiError::invalid(errors))?;
    let pipeline = state.pipelines.create(&session.ctx, new).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/pipelines/{}", pipeline.id)))
        .json(PipelineView::from(pipeline)))
}

#[utoipa::path(get, operation_id = "pipelines_get", path = "/api/pipelines/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "pipelines",
    responses((status = 200, body = PipelineView), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let pipeline = state.pipelines.get(&session.ctx, pipeline_id(&id)).await?;
    Ok(HttpResponse::Ok().json(PipelineView::from(pipeline)))
}

#[utoipa::path(patch, operation_id = "pipelines_patch", path = "/api/pipelines/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "pipelines", request_body = PipelinePatch,
    responses((status = 200, body = PipelineView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<PipelinePatch>,
) -> Result<HttpResponse, ApiError> {
    let pipeline = state
        .pipelines
        .update(&session.ctx, pipeline_id(&id), body.name, body.is_default)
        .await?;
    Ok(HttpResponse::Ok().json(PipelineView::from(pipeline)))
}

#[utoipa::path(delete, operation_id = "pipelines_delete", path = "/api/pipelines/{id}", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)")), tag = "pipelines",
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(session: Session, state: Data<ApiState>, id: Path<Uuid>) -> Result<HttpResponse, ApiError> {
    state.pipelines.delete(&session.ctx, pipeline_id(&id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, operation_id = "pipelines_add_stage", path = "/api/pipelines/{pipeline_id}/stages", params(("pipeline_id" = uuid::Uuid, Path, description = "The pipeline's id (UUID)")), tag = "pipelines", request_body = StageBody,
    responses((status = 201, body = StageView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn add_stage(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<StageBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let spec = StageSpec::parse("", &body.name, body.probability, &body.kind, &mut errors)
        .ok_or_else(|| ApiError::invalid(errors))?;
    let stage = state
        .pipelines
        .add_stage(&session.ctx, pipeline_id(&id), spec, body.position)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/pipelines/{}/stages/{}", *id, stage.id)))
        .json(StageView::from(&stage)))
}

#[utoipa::path(patch, operation_id = "pipelines_update_stage", path = "/api/pipelines/{pipeline_id}/stages/{stage_id}", params(("pipeline_id" = uuid::Uuid, Path, description = "The pipeline's id (UUID)"), ("stage_id" = uuid::Uuid, Path, description = "The stage's id (UUID)")), tag = "pipelines", request_body = StagePatchBody,
    responses((status = 200, body = StageView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn update_stage(
    session: Session,
    state: Data<ApiState>,
    ids: Path<(Uuid, Uuid)>,
    ValidJson(body): ValidJson<StagePatchBody>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let patch = StagePatch {
        name: body.name.and_then(|n| errors.check("name", required_text(&n, 100))),
        probability: body
            .probability
            .and_then(|p| errors.check("probability", Probability::new(p))),
        kind: body.kind.and_then(|k| errors.check("kind", k.parse())),
        rotting_days: body.rotting_days.and_then(|days| match days {
            None => Some(None),
            Some(d) => errors
                .check(
                    "rotting_days",
                    u16::try_from(d)
                        .ok()
                        .filter(|d| (1..=365).contains(d))
                        .ok_or("must be between 1 and 365 days"),
                )
                .map(Some),
        }),
    };
    errors.into_result().map_err(ApiError::invalid)?;
    let (pipeline, stage) = ids.into_inner();
    let stage = state
        .pipelines
        .update_stage(
            &session.ctx,
            PipelineId::from_uuid(pipeline),
            StageId::from_uuid(stage),
            patch,
        )
        .await?;
    Ok(HttpResponse::Ok().json(StageView::from(&stage)))
}

/// A stage holding deals is deleted only with `move_to_stage_id`; its deals
/// move there in the same transaction.
#[utoipa::path(delete, operation_id = "pipelines_delete_stage", path = "/api/pipelines/{pipeline_id}/stages/{stage_id}", tag = "pipelines", params(("pipeline_id" = uuid::Uuid, Path, description = "The pipeline's id (UUID)"), ("stage_id" = uuid::Uuid, Path, description = "The stage's id (UUID)"), DeleteStageParams),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn delete_stage(
    session: Session,
    state: Data<ApiState>,
    ids: Path<(Uuid, Uuid)>,
    params: Query<DeleteStageParams>,
) -> Result<HttpResponse, ApiError> {
    let (pipeline, stage) = ids.into_inner();
    state
        .pipelines
        .delete_stage(
            &session.ctx,
            PipelineId::from_uuid(pipeline),
            StageId::from_uuid(stage),
            params.move_to_stage_id.map(StageId::from_uuid),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(put, operation_id = "pipelines_reorder", path = "/api/pipelines/{pipeline_id}/stages/order", params(("pipeline_id" = uuid::Uuid, Path, description = "The pipeline's id (UUID)")), tag = "pipelines", request_body = StageOrder,
    responses((status = 200, body = PipelineView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn reorder(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    ValidJson(body): ValidJson<StageOrder>,
) -> Result<HttpResponse, ApiError> {
    let order: Vec<StageId> = body.stage_ids.into_iter().map(StageId::from_uuid).collect();
    let pipeline = state.pipelines.reorder(&session.ctx, pipeline_id(&id), &order).await?;
    Ok(HttpResponse::Ok().json(PipelineView::from(pipeline)))
}

/// The board: every stage in order with its newest deals, its deal count
/// and total and weighted amounts per currency.
#[utoipa::path(get, operation_id = "pipelines_board", path = "/api/pipelines/{id}/deals", tag = "pipelines", params(("id" = uuid::Uuid, Path, description = "The record's id (UUID)"), BoardParams),
    responses((status = 200, body = Board), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn board(
    session: Session,
    state: Data<ApiState>,
    id: Path<Uuid>,
    params: Query<BoardParams>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = ValidationErrors::new();
    let limit = limit_param(&mut errors, params.limit.as_deref()).ok_or_else(|| ApiError::invalid(errors))?;
    let board = state.deals.board(&session.ctx, pipeline_id(&id), limit.get()).await?;
    let (pipeline, totals, mut deals) = (board.pipeline, board.totals, board.deals);
    // Open deals are worth what they are worth today.
    let currencies: Vec<_> = totals.iter().map(|row| row.currency).collect();
    let (base, rates) = state
        .rates
        .in_force(&session.ctx, &currencies, Utc::now().date_naive())
        .await?;
    let stages = pipeline
        .stages
        .iter()
        .map(|stage| {
            let groups: Vec<_> = totals
                .iter()
                .filter(|row| row.stage_id == stage.id)
                .map(|row| (row.currency, row.probability, row.count, row.amount))
                .collect();
            let by_currency = totals_by_currency(&groups);
            let mut stage_deals: Vec<_> = deals.extract_if(.., |d| d.stage_id == stage.id).collect();
            let more = stage_deals.len() > limit.get() as usize;
            stage_deals.truncate(limit.get() as usize);
            let sums: Vec<_> = by_currency.iter().map(|(c, t)| (*c, t.total, t.weighted)).collect();
            BoardColumn {
                stage: StageView::from(stage),
                count: by_currency.values().map(|t| t.count).sum(),
                totals: by_currency
                    .iter()
                    .map(|(currency, t)| {
                        let converted = convert(base, &rates, *currency, t.total, t.weighted);
                        MoneyTotal {
                            currency: currency.as_str().into(),
                            amount: money_string(t.total),
                            weighted_amount: money_string(t.weighted),
                            base_amount: money(converted.amount),
                            base_weighted_amount: money(converted.weighted),
                            base: BaseParts::new(base, &converted),
                        }
                    })
                    .collect(),
                base_total: BaseTotalView::new(base, &base_total(base, &rates, &sums)),
                next_cursor: more.then(|| stage_deals.last().map(deal_cursor)).flatten(),
                deals: stage_deals.into_iter().map(DealView::from).collect(),
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(Board {
        pipeline: PipelineView::from(pipeline),
        stages,
    }))
}
