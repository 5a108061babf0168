//! The storage port for deals.

use crate::model::{Board, Deal, DealQuery, DealWrite, StageChange, StageRef};
use async_trait::async_trait;
use clearview_kernel::records::ReadScope;
use clearview_kernel::{DealId, Page, PipelineId, RepoError, StageId, TenantContext};

/// Errors an adapter must return: `NotFound` for a deal not in the tenant
/// (or out of scope); `MissingReference { field }` for a pipeline, stage,
/// contact, company or owner that does not exist in the tenant (`stage_id`
/// also when the stage belongs to another pipeline).
#[async_trait]
pub trait DealRepository: Send + Sync {
    /// The stage a deal goes to: the given stage; or the first open stage
    /// of the given pipeline; or of the default pipeline.
    async fn resolve_stage(
        &self,
        ctx: &TenantContext,
        pipeline: Option<PipelineId>,
        stage: Option<StageId>,
    ) -> Result<StageRef, RepoError>;
    async fn insert(&self, ctx: &TenantContext, id: DealId, write: &DealWrite) -> Result<Deal, RepoError>;
    async fn get(&self, ctx: &TenantContext, id: DealId, scope: ReadScope) -> Result<Deal, RepoError>;
    async fn update(&self, ctx: &TenantContext, id: DealId, write: &DealWrite) -> Result<Deal, RepoError>;
    async fn delete(&self, ctx: &TenantContext, id: DealId) -> Result<(), RepoError>;
    async fn list(&self, ctx: &TenantContext, query: &DealQuery, scope: ReadScope) -> Result<Page<Deal>, RepoError>;
    /// The pipeline's board, read in one transaction so its sums and its
    /// cards agree; `NotFound` for a pipeline not in the tenant.
    async fn board(
        &self,
        ctx: &TenantContext,
        pipeline: PipelineId,
        per_stage: u32,
        scope: ReadScope,
    ) -> Result<Board, RepoError>;
    /// The deal's stage moves, oldest first.
    async fn history(&self, ctx: &TenantContext, id: DealId) -> Result<Vec<StageChange>, RepoError>;
}
