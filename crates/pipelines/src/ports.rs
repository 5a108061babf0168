//! The storage port for pipelines, stages and their aggregates.

use crate::model::{NewPipeline, Pipeline, Stage, StagePatch, StageSpec};
use async_trait::async_trait;
use chrono::NaiveDate;
use clearview_kernel::records::ReadScope;
use clearview_kernel::{Currency, Decimal, PipelineId, RepoError, StageId, TenantContext};

/// Deals of one stage grouped by currency and effective probability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardRow {
    pub stage_id: StageId,
    pub currency: Currency,
    pub probability: u8,
    pub count: i64,
    pub amount: Decimal,
}

/// Deals of one month grouped by currency and probability: open deals by
/// month of expected close, or (`won`) won deals by month of closing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForecastRow {
    pub month: NaiveDate,
    pub currency: Currency,
    pub probability: u8,
    pub amount: Decimal,
    pub won: bool,
}

/// Errors an adapter must return: `NotFound` for an id not in the tenant;
/// `Duplicate { field: "name" }` for a pipeline or stage name already used;
/// `Conflict` when deleting a pipeline or stage that still holds deals.
#[async_trait]
pub trait PipelineRepository: Send + Sync {
    async fn list(&self, ctx: &TenantContext) -> Result<Vec<Pipeline>, RepoError>;
    async fn get(&self, ctx: &TenantContext, id: PipelineId) -> Result<Pipeline, RepoError>;
    async fn create(&self, ctx: &TenantContext, id: PipelineId, new: &NewPipeline) -> Result<Pipeline, RepoError>;
    /// Renames and/or makes this the organization's default pipeline.
    async fn update(
        &self,
        ctx: &TenantContext,
        id: PipelineId,
        name: Option<&str>,
        make_default: bool,
    ) -> Result<Pipeline, RepoError>;
    async fn delete(&self, ctx: &TenantContext, id: PipelineId) -> Result<(), RepoError>;
    /// Inserts a stage at `position`, shifting later stages down.
    async fn add_stage(
        &self,
        ctx: &TenantContext,
        pipeline: PipelineId,
        stage: StageId,
        spec: &StageSpec,
        position: u32,
    ) -> Result<Stage, RepoError>;
    async fn update_stage(
        &self,
        ctx: &TenantContext,
        pipeline: PipelineId,
        stage: StageId,
        patch: &StagePatch,
    ) -> Result<Stage, RepoError>;
    /// Deletes a stage in one transaction: its deals move to `move_to` (with
    /// history) first; later stages close the gap.
    async fn delete_stage(
        &self,
        ctx: &TenantContext,
        pipeline: PipelineId,
        stage: StageId,
        move_to: Option<StageId>,
    ) -> Result<(), RepoError>;
    async fn reorder(
        &self,
        ctx: &TenantContext,
        pipeline: PipelineId,
        positions: &[(StageId, u32)],
    ) -> Result<Pipeline, RepoError>;
    async fn forecast(
        &self,
        ctx: &TenantContext,
        pipeline: Option<PipelineId>,
        from: NaiveDate,
        to: NaiveDate,
        scope: ReadScope,
    ) -> Result<Vec<ForecastRow>, RepoError>;
}
