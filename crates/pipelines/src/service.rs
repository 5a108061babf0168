//! Pipeline use cases: read for everyone, configure for admins and managers.

use crate::model::{NewPipeline, Pipeline, Stage, StagePatch, StageSpec};
use crate::ports::{ForecastRow, PipelineRepository};
use crate::rules;
use chrono::NaiveDate;
use clearview_kernel::records::{ReadScope, RecordError, VisibilitySettings};
use clearview_kernel::{PipelineId, StageId, TenantContext, ValidationErrors};
use std::sync::Arc;

pub type PipelineError = RecordError;

#[derive(Clone)]
pub struct PipelineService {
    repo: Arc<dyn PipelineRepository>,
    settings: Arc<dyn VisibilitySettings>,
}

fn may_configure(ctx: &TenantContext) -> Result<(), RecordError> {
    if ctx.role.manages_all_records() {
        Ok(())
    } else {
        Err(RecordError::Forbidden("only admins and managers configure pipelines"))
    }
}

fn invalid(field: &str, message: &str) -> RecordError {
    RecordError::Invalid(ValidationErrors::single(field, message))
}

fn stage_of(pipeline: &Pipeline, id: StageId) -> Result<&Stage, RecordError> {
    pipeline.stages.iter().find(|s| s.id == id).ok_or(RecordError::NotFound)
}

impl PipelineService {
    pub fn new(repo: Arc<dyn PipelineRepository>, settings: Arc<dyn VisibilitySettings>) -> Self {
        Self { repo, settings }
    }

    pub async fn list(&self, ctx: &TenantContext) -> Result<Vec<Pipeline>, RecordError> {
        Ok(self.repo.list(ctx).await?)
    }

    pub async fn get(&self, ctx: &TenantContext, id: PipelineId) -> Result<Pipeline, RecordError> {
        Ok(self.repo.get(ctx, id).await?)
    }

    pub async fn create(&self, ctx: &TenantContext, new: NewPipeline) -> Result<Pipeline, RecordError> {
        may_configure(ctx)?;
        // Like any uniqueness rule of this API, a clash is a 409.
        rules::unique_names(new.stages.iter().map(|s| s.name.as_str()))
            .map_err(|why| RecordError::Contradicts { field: "stages", why })?;
        Ok(self.repo.create(ctx, PipelineId::generate(), &new).await?)
    }

    /// Renames a pipeline and/or makes it the default. A pipeline stops being
    /// the default only when another becomes it.
    pub async fn update(
        &self,
        ctx: &TenantContext,
        id: PipelineId,
        name: Option<String>,
        is_default: Option<bool>,
    ) -> Result<Pipeline, RecordError> {
        may_configure(ctx)?;
        let name = match name {
            Some(raw) => Some(clearview_kernel::required_text(&raw, 100).map_err(|e| invalid("name", &e))?),
            None => None,
        };
        if is_default == Some(false) {
            return Err(invalid("is_default", "make another pipeline the default instead"));
        }
        Ok(self
            .repo
            .update(ctx, id, name.as_deref(), is_default == Some(true))
            .await?)
    }

    pub async fn delete(&self, ctx: &TenantContext, id: PipelineId) -> Result<(), RecordError> {
        may_configure(ctx)?;
        if self.repo.get(ctx, id).await?.is_default {
            return Err(RecordError::Conflict(
                "the default pipeline cannot be deleted; make another the default first",
            ));
        }
        Ok(self.repo.delete(ctx, id).await?)
    }

    /// Adds a stage at `position` (0-based; the end when absent).
    pub async fn add_stage(
        &self,
        ctx: &TenantContext,
        id: PipelineId,
        spec: StageSpec,
        position: Option<u32>,
    ) -> Result<Stage, RecordError> {
        may_configure(ctx)?;
        let pipeline = self.repo.get(ctx, id).await?;
        let count = pipeline.stages.len() as u32;
        let position = position.unwrap_or(count);
        if position > count {
            return Err(RecordError::Contradicts {
                field: "position",
                why: "must not be past the pipeline's last stage",
            });
        }
        if pipeline.stages.len() >= NewPipeline::MAX_STAGES {
            return Err(invalid("name", "this pipeline already has the most stages allowed"));
        }
        rules::unique_names(
            pipeline
                .stages
                .iter()
                .map(|s| s.name.as_str())
                .chain([spec.name.as_str()]),
        )
        .map_err(|why| RecordError::Contradicts { field: "name", why })?;
        Ok(self
            .repo
            .add_stage(ctx, id, StageId::generate(), &spec, position)
            .await?)
    }

    pub async fn update_stage(
        &self,
        ctx: &TenantContext,
        id: PipelineId,
        stage: StageId,
        patch: StagePatch,
    ) -> Result<Stage, RecordError> {
        may_configure(ctx)?;
        let pipeline = self.repo.get(ctx, id).await?;
        stage_of(&pipeline, stage)?;
        let kinds = pipeline.stages.iter().map(|s| {
            if s.id == stage {
                patch.kind.unwrap_or(s.kind)
            } else {
                s.kind
            }
        });
        rules::ensure_open_stage(kinds).map_err(|why| RecordError::Contradicts { field: "kind", why })?;
        if let Some(name) = &patch.name {
            let others = pipeline
                .stages
                .iter()
                .filter(|s| s.id != stage)
                .map(|s| s.name.as_str());
            rules::unique_names(others.chain([name.as_str()]))
                .map_err(|why| RecordError::Contradicts { field: "name", why })?;
        }
        Ok(self.repo.update_stage(ctx, id, stage, &patch).await?)
    }

    pub async fn delete_stage(
        &self,
        ctx: &TenantContext,
        id: PipelineId,
        stage: StageId,
        move_to: Option<StageId>,
    ) -> Result<(), RecordError> {
        may_configure(ctx)?;
        let pipeline = self.repo.get(ctx, id).await?;
        stage_of(&pipeline, stage)?;
        if let Some(target) = move_to
            && (target == stage || stage_of(&pipeline, target).is_err())
        {
            return Err(invalid("move_to_stage_id", "must be another stage of this pipeline"));
        }
        rules::ensure_open_stage(pipeline.stages.iter().filter(|s| s.id != stage).map(|s| s.kind))
            .map_err(RecordError::Conflict)?;
        Ok(self.repo.delete_stage(ctx, id, stage, move_to).await?)
    }

    pub async fn reorder(
        &self,
        ctx: &TenantContext,
        id: PipelineId,
        order: &[StageId],
    ) -> Result<Pipeline, RecordError> {
        may_configure(ctx)?;
        let pipeline = self.repo.get(ctx, id).await?;
        let current: Vec<StageId> = pipeline.stages.iter().map(|s| s.id).collect();
        let positions = rules::reorder(&current, order).map_err(|why| RecordError::Contradicts {
            field: "stage_ids",
            why,
        })?;
        Ok(self.repo.reorder(ctx, id, &positions).await?)
    }

    /// What deals a caller's totals may include (reps with `own`
    /// visibility see only their own deals' numbers).
    pub async fn scope(&self, ctx: &TenantContext) -> Result<ReadScope, RecordError> {
        Ok(clearview_kernel::records::read_scope(self.settings.as_ref(), ctx).await?)
    }

    pub async fn forecast(
        &self,
        ctx: &TenantContext,
        pipeline: Option<PipelineId>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ForecastRow>, RecordError> {
        if to < from {
            return Err(invalid("to", "must not be before from"));
        }
        if (to - from).num_days() > 366 * 5 {
            return Err(invalid("to", "a forecast covers at most five years"));
        }
        if let Some(id) = pipeline {
            self.repo.get(ctx, id).await?;
        }
        let scope = self.scope(ctx).await?;
        Ok(self.repo.forecast(ctx, pipeline, from, to, scope).await?)
    }
}
