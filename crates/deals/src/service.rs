//! Deal use cases with the role policy of every owned record.

use crate::model::{Board, Deal, DealInput, DealQuery, DealWrite, StageChange};
use crate::ports::DealRepository;
use crate::rules::{closed_at_after_move, lost_reason_after_move};
use chrono::Utc;
use clearview_kernel::custom_fields::{CustomEntity, FieldDefinitions, checked_values, resolve_query, with_values};
use clearview_kernel::records::{ReadScope, RecordError, VisibilitySettings, policy};
use clearview_kernel::{DealId, Page, PipelineId, RepoError, TenantContext};
use std::sync::Arc;

#[derive(Clone)]
pub struct DealService {
    repo: Arc<dyn DealRepository>,
    settings: Arc<dyn VisibilitySettings>,
    fields: Arc<dyn FieldDefinitions>,
}

impl DealService {
    pub fn new(
        repo: Arc<dyn DealRepository>,
        settings: Arc<dyn VisibilitySettings>,
        fields: Arc<dyn FieldDefinitions>,
    ) -> Self {
        Self { repo, settings, fields }
    }

    pub async fn scope(&self, ctx: &TenantContext) -> Result<ReadScope, RecordError> {
        Ok(clearview_kernel::records::read_scope(self.settings.as_ref(), ctx).await?)
    }

    /// Validates the input, resolves its stage and works out what the move
    /// (if any) does to `closed_at` and `lost_reason`.
    async fn prepare(
        &self,
        ctx: &TenantContext,
        input: &DealInput,
        current: Option<&Deal>,
    ) -> Result<DealWrite, RecordError> {
        let draft = input.validate();
        let custom = checked_values(
            self.fields.as_ref(),
            ctx,
            CustomEntity::Deal,
            current.map(|d| &d.custom_fields),
            &input.custom_fields,
        )
        .await?;
        let mut draft =
            with_values(draft, custom, |draft, values| draft.custom_fields = values).map_err(RecordError::Invalid)?;
        // Moving to another pipeline without naming a stage lands in its
        // first open stage, not in a stage id of the old pipeline.
        let stage_id = match current {
            Some(deal) if draft.pipeline_id != Some(deal.pipeline_id) && draft.stage_id == Some(deal.stage_id) => None,
            _ => draft.stage_id,
        };
        let stage = self
            .repo
            .resolve_stage(ctx, draft.pipeline_id, stage_id)
            .await
            .map_err(stage_error)?;
        let previous = current.map(|d| (d.status, d.closed_at));
        let moved = current.is_none_or(|d| d.stage_id != stage.stage_id);
        let closed_at = closed_at_after_move(previous, stage.kind, Utc::now());
        draft.lost_reason = lost_reason_after_move(
            stage.kind,
            draft.lost_reason.take(),
            current.and_then(|d| d.lost_reason.as_deref()),
        )
        .map_err(|why| RecordError::Contradicts {
            field: "lost_reason",
            why,
        })?;
        draft.pipeline_id = Some(stage.pipeline_id);
        draft.stage_id = Some(stage.stage_id);
        let moved_from = match (moved, current) {
            (false, _) => None,
            (true, None) => Some(None),
            (true, Some(deal)) => Some(Some(crate::model::StageRef {
                pipeline_id: deal.pipeline_id,
                stage_id: deal.stage_id,
                name: String::new(),
                kind: deal.status,
                probability: deal.stage_probability,
            })),
        };
        Ok(DealWrite {
            draft,
            stage,
            closed_at,
            moved_from,
        })
    }

    pub async fn create(&self, ctx: &TenantContext, mut input: DealInput) -> Result<Deal, RecordError> {
        let owner = policy::owner_on_create(ctx, input.owner_id).map_err(RecordError::Forbidden)?;
        input.owner_id = Some(owner);
        let write = self.prepare(ctx, &input, None).await?;
        Ok(self.repo.insert(ctx, DealId::generate(), &write).await?)
    }

    pub async fn get(&self, ctx: &TenantContext, id: DealId) -> Result<Deal, RecordError> {
        let scope = self.scope(ctx).await?;
        Ok(self.repo.get(ctx, id, scope).await?)
    }

    pub async fn list(&self, ctx: &TenantContext, query: &DealQuery) -> Result<Page<Deal>, RecordError> {
        let scope = self.scope(ctx).await?;
        let mut query = query.clone();
        resolve_query(
            self.fields.as_ref(),
            ctx,
            CustomEntity::Deal,
            &mut query.custom,
            &query.page,
        )
        .await?;
        Ok(self.repo.list(ctx, &query, scope).await?)
    }

    pub async fn replace(&self, ctx: &TenantContext, id: DealId, input: DealInput) -> Result<Deal, RecordError> {
        self.modify(ctx, id, |_| input).await
    }

    pub async fn patch(
        &self,
        ctx: &TenantContext,
        id: DealId,
        apply: impl FnOnce(&mut DealInput) + Send,
    ) -> Result<Deal, RecordError> {
        self.modify(ctx, id, |mut input| {
            apply(&mut input);
            input
        })
        .await
    }

    async fn modify(
        &self,
        ctx: &TenantContext,
        id: DealId,
        change: impl FnOnce(DealInput) -> DealInput + Send,
    ) -> Result<Deal, RecordError> {
        let current = self.get(ctx, id).await?;
        policy::may_modify(ctx, current.owner_id).map_err(RecordError::Forbidden)?;
        let input = change(DealInput::from(&current));
        policy::may_reassign(ctx, current.owner_id, input.owner_id).map_err(RecordError::Forbidden)?;
        let write = self.prepare(ctx, &input, Some(&current)).await?;
        Ok(self.repo.update(ctx, id, &write).await?)
    }

    pub async fn delete(&self, ctx: &TenantContext, id: DealId) -> Result<(), RecordError> {
        let current = self.get(ctx, id).await?;
        policy::may_modify(ctx, current.owner_id).map_err(RecordError::Forbidden)?;
        Ok(self.repo.delete(ctx, id).await?)
    }

    pub async fn history(&self, ctx: &TenantContext, id: DealId) -> Result<Vec<StageChange>, RecordError> {
        self.get(ctx, id).await?;
        Ok(self.repo.history(ctx, id).await?)
    }

    /// The pipeline with each stage's sums and newest `per_stage` deals
    /// (plus one to tell whether a stage has more); reps with `own`
    /// visibility see only their own deals and numbers.
    pub async fn board(&self, ctx: &TenantContext, pipeline: PipelineId, per_stage: u32) -> Result<Board, RecordError> {
        let scope = self.scope(ctx).await?;
        Ok(self.repo.board(ctx, pipeline, per_stage, scope).await?)
    }
}

/// A pipeline or stage that does not resolve is a missing reference.
fn stage_error(err: RepoError) -> RecordError {
    match err {
        RepoError::NotFound => RecordError::MissingReference { field: "stage_id" },
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{StageChange, StageRef};
    use async_trait::async_trait;
    use clearview_kernel::custom_fields::NoCustomFields;
    use clearview_kernel::records::Visibility;
    use clearview_kernel::{Role, StageId, TenantId, UserId};
    use clearview_pipelines::StageKind;
    use std::sync::Mutex;

    /// Stages: 0 open (10%), 1 won, 2 lost. Keeps the last write.
    struct Fake {
        pipeline: PipelineId,
        stages: Vec<StageRef>,
        stored: Mutex<Option<Deal>>,
    }

    impl Fake {
        fn new() -> Self {
            let pipeline = PipelineId::generate();
            let stage = |name: &str, kind, probability| StageRef {
                pipeline_id: pipeline,
                stage_id: StageId::generate(),
                name: name.into(),
                kind,
                probability,
            };
            Self {
                pipeline,
                stages: vec![
                    stage("Lead", StageKind::Open, 10),
                    stage("Won", StageKind::Won, 100),
                    stage("Lost", StageKind::Lost, 0),
                ],
                stored: Mutex::new(None),
            }
        }

        fn to_deal(id: DealId, w: &DealWrite) -> Deal {
            Deal {
                id,
                title: w.draft.title.clone(),
                amount: w.draft.amount.value(),
                currency: w.draft.currency,
                pipeline_id: w.stage.pipeline_id,
                stage_id: w.stage.stage_id,
                status: w.stage.kind,
                stage_probability: w.stage.probability,
                probability: w.draft.probability.map(|p| p.get()),
                contact_ids: w.draft.contact_ids.clone(),
                company_id: w.draft.company_id,
                owner_id: w.draft.owner_id,
                expected_close_date: w.draft.expected_close_date,
                closed_at: w.closed_at,
                lost_reason: w.draft.lost_reason.clone(),
                custom_fields: w.draft.custom_fields.clone(),
                created_at: Utc::now(),
                updated_at: Utc::now(),
            }
        }
    }

    #[async_trait]
    impl DealRepository for Fake {
        async fn resolve_stage(
            &self,
            _: &TenantContext,
            _: Option<PipelineId>,
            stage: Option<StageId>,
        ) -> Result<StageRef, RepoError> {
            match stage {
                None => Ok(self.stages[0].clone()),
                Some(id) => self
                    .stages
                    .iter()
                    .find(|s| s.stage_id == id)
                    .cloned()
                    .ok_or(RepoError::NotFound),
            }
        }
        async fn insert(&self, _: &TenantContext, id: DealId, w: &DealWrite) -> Result<Deal, RepoError> {
            let deal = Self::to_deal(id, w);
            *self.stored.lock().unwrap() = Some(deal.clone());
            Ok(deal)
        }
        async fn get(&self, _: &TenantContext, _: DealId, _: ReadScope) -> Result<Deal, RepoError> {
            self.stored.lock().unwrap().clone().ok_or(RepoError::NotFound)
        }
        async fn update(&self, ctx: &TenantContext, id: DealId, w: &DealWrite) -> Result<Deal, RepoError> {
            self.insert(ctx, id, w).await
        }
        async fn delete(&self, _: &TenantContext, _: DealId) -> Result<(), RepoError> {
            Ok(())
        }
        async fn list(&self, _: &TenantContext, _: &DealQuery, _: ReadScope) -> Result<Page<Deal>, RepoError> {
            Ok(Page {
                items: vec![],
                next_cursor: None,
            })
        }
        async fn board(&self, _: &TenantContext, _: PipelineId, _: u32, _: ReadScope) -> Result<Board, RepoError> {
            Err(RepoError::NotFound)
        }
        async fn history(&self, _: &TenantContext, _: DealId) -> Result<Vec<StageChange>, RepoError> {
            Ok(vec![])
        }
    }

    struct AllVisible;

    #[async_trait]
    impl VisibilitySettings for AllVisible {
        async fn rep_visibility(&self, _: &TenantContext) -> Result<Visibility, RepoError> {
            Ok(Visibility::All)
        }
    }

    fn input() -> DealInput {
        DealInput {
            title: "Renewal".into(),
            amount: "1000.00".into(),
            currency: "EUR".into(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_new_deal_lands_in_the_first_open_stage_with_its_probability() {
        let fake = Arc::new(Fake::new());
        let deals = DealService::new(fake.clone(), Arc::new(AllVisible), Arc::new(NoCustomFields));
        let ctx = TenantContext::new(TenantId::generate(), UserId::generate(), Role::Rep);
        let deal = deals.create(&ctx, input()).await.unwrap();
        assert_eq!(deal.stage_id, fake.stages[0].stage_id);
        assert_eq!(deal.pipeline_id, fake.pipeline);
        assert_eq!(deal.effective_probability(), 10);
        assert_eq!(deal.owner_id, Some(ctx.user_id));
        assert_eq!(deal.closed_at, None);
    }

    #[tokio::test]
    async fn a_probability_override_wins_and_winning_closes_the_deal() {
        let fake = Arc::new(Fake::new());
        let deals = DealService::new(fake.clone(), Arc::new(AllVisible), Arc::new(NoCustomFields));
        let ctx = TenantContext::new(TenantId::generate(), UserId::generate(), Role::Manager);
        let deal = deals.create(&ctx, input()).await.unwrap();
        let deal = deals.patch(&ctx, deal.id, |i| i.probability = Some(60)).await.unwrap();
        assert_eq!(deal.effective_probability(), 60);
        let won = fake.stages[1].stage_id;
        let deal = deals.patch(&ctx, deal.id, |i| i.stage_id = Some(won)).await.unwrap();
        assert_eq!(deal.status, StageKind::Won);
        assert!(deal.closed_at.is_some());
        let lead = fake.stages[0].stage_id;
        let deal = deals.patch(&ctx, deal.id, |i| i.stage_id = Some(lead)).await.unwrap();
        assert_eq!(deal.closed_at, None, "reopened");
    }

    #[tokio::test]
    async fn a_lost_reason_needs_a_lost_stage_and_goes_when_the_deal_reopens() {
        let fake = Arc::new(Fake::new());
        let deals = DealService::new(fake.clone(), Arc::new(AllVisible), Arc::new(NoCustomFields));
        let ctx = TenantContext::new(TenantId::generate(), UserId::generate(), Role::Admin);
        let deal = deals.create(&ctx, input()).await.unwrap();
        let err = deals
            .patch(&ctx, deal.id, |i| i.lost_reason = Some("price".into()))
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            RecordError::Contradicts {
                field: "lost_reason",
                ..
            }
        ));
        let lost = fake.stages[2].stage_id;
        let deal = deals
            .patch(&ctx, deal.id, |i| {
                i.stage_id = Some(lost);
                i.lost_reason = Some("price".into());
            })
            .await
            .unwrap();
        assert_eq!(deal.lost_reason.as_deref(), Some("price"));
        let lead = fake.stages[0].stage_id;
        let deal = deals.patch(&ctx, deal.id, |i| i.stage_id = Some(lead)).await.unwrap();
        assert_eq!(deal.lost_reason, None);
    }

    #[tokio::test]
    async fn an_unknown_stage_is_a_missing_reference() {
        let deals = DealService::new(Arc::new(Fake::new()), Arc::new(AllVisible), Arc::new(NoCustomFields));
        let ctx = TenantContext::new(TenantId::generate(), UserId::generate(), Role::Admin);
        let input = DealInput {
            stage_id: Some(StageId::generate()),
            ..input()
        };
        let err = deals.create(&ctx, input).await.unwrap_err();
        assert!(matches!(err, RecordError::MissingReference { field: "stage_id" }));
    }
}
