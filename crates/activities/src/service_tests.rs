//! The record service with activities and an in-memory store: completing
//! tasks through PATCH-like changes, and the role policy.

use crate::activity::{Activity, ActivityDraft, ActivityInput, ActivityKind};
use crate::kind::Activities;
use crate::query::ActivityQuery;
use crate::{ActivityService, RecordError};
use async_trait::async_trait;
use chrono::Utc;
use clearview_kernel::custom_fields::NoCustomFields;
use clearview_kernel::records::{ReadScope, RecordRepository, RecordService, Visibility, VisibilitySettings};
use clearview_kernel::{ActivityId, Page, RepoError, Role, TenantContext, TenantId, UserId};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Memory(Mutex<Vec<Activity>>);

fn stored(id: ActivityId, draft: &ActivityDraft) -> Activity {
    let now = Utc::now();
    Activity {
        id,
        kind: draft.kind,
        subject: draft.subject.clone(),
        body: draft.body.clone(),
        deal_id: draft.deal_id,
        contact_id: draft.contact_id,
        company_id: draft.company_id,
        owner_id: draft.owner_id,
        occurred_at: draft.occurred_at,
        due_at: draft.due_at,
        remind_at: draft.remind_at,
        done: draft.done,
        completed_at: draft.completed_at,
        metadata: draft.metadata.clone(),
        timeline_at: draft.occurred_at.or(draft.due_at).unwrap_or(now),
        created_at: now,
        updated_at: now,
    }
}

#[async_trait]
impl RecordRepository<Activities> for Memory {
    async fn insert(&self, _: &TenantContext, id: ActivityId, draft: &ActivityDraft) -> Result<Activity, RepoError> {
        let activity = stored(id, draft);
        self.0.lock().unwrap().push(activity.clone());
        Ok(activity)
    }
    async fn get(&self, _: &TenantContext, id: ActivityId, scope: ReadScope) -> Result<Activity, RepoError> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .find(|a| {
                a.id == id && (scope == ReadScope::Everything || a.owner_id.map(ReadScope::OwnedBy) == Some(scope))
            })
            .cloned()
            .ok_or(RepoError::NotFound)
    }
    async fn update(&self, _: &TenantContext, id: ActivityId, draft: &ActivityDraft) -> Result<Activity, RepoError> {
        let mut all = self.0.lock().unwrap();
        let slot = all.iter_mut().find(|a| a.id == id).ok_or(RepoError::NotFound)?;
        *slot = stored(id, draft);
        Ok(slot.clone())
    }
    async fn delete(&self, _: &TenantContext, id: ActivityId) -> Result<(), RepoError> {
        self.0.lock().unwrap().retain(|a| a.id != id);
        Ok(())
    }
    async fn list(&self, _: &TenantContext, _: &ActivityQuery, _: ReadScope) -> Result<Page<Activity>, RepoError> {
        Ok(Page {
            items: self.0.lock().unwrap().clone(),
            next_cursor: None,
        })
    }
}

struct Setting(Visibility);

#[async_trait]
impl VisibilitySettings for Setting {
    async fn rep_visibility(&self, _: &TenantContext) -> Result<Visibility, RepoError> {
        Ok(self.0)
    }
}

fn service() -> ActivityService {
    RecordService::new(
        Arc::new(Memory::default()),
        Arc::new(Setting(Visibility::All)),
        Arc::new(NoCustomFields),
    )
}

#[tokio::test]
async fn a_task_is_completed_and_reopened_with_done() {
    let ctx = TenantContext::new(TenantId::generate(), UserId::generate(), Role::Rep);
    let activities = service();
    let task = activities
        .create(&ctx, ActivityInput::new(ActivityKind::Task, "Send the proposal"))
        .await
        .unwrap();
    assert_eq!(task.owner_id, Some(ctx.user_id));
    assert!(!task.done && task.completed_at.is_none());

    let done = activities.patch(&ctx, task.id, |i| i.done = Some(true)).await.unwrap();
    assert!(done.done);
    let completed_at = done.completed_at.expect("completion is stamped");

    // An unrelated change keeps the completion time.
    let renamed = activities
        .patch(&ctx, task.id, |i| i.subject = "Send the signed proposal".into())
        .await
        .unwrap();
    assert_eq!(renamed.completed_at, Some(completed_at));

    let reopened = activities.patch(&ctx, task.id, |i| i.done = Some(false)).await.unwrap();
    assert!(!reopened.done);
    assert_eq!(reopened.completed_at, None);
}

#[tokio::test]
async fn a_call_cannot_be_marked_done() {
    let ctx = TenantContext::new(TenantId::generate(), UserId::generate(), Role::Admin);
    let activities = service();
    let call = activities
        .create(&ctx, ActivityInput::new(ActivityKind::Call, "Intro"))
        .await
        .unwrap();
    assert!(call.occurred_at.is_some(), "a logged call has a time");
    let err = activities
        .patch(&ctx, call.id, |i| i.done = Some(true))
        .await
        .unwrap_err();
    let RecordError::Invalid(errors) = err else {
        panic!("expected validation errors")
    };
    assert_eq!(errors.fields()[0].field, "done");
}

#[tokio::test]
async fn reps_change_only_their_own_activities_and_viewers_log_nothing() {
    let tenant = TenantId::generate();
    let alice = TenantContext::new(tenant, UserId::generate(), Role::Rep);
    let bob = TenantContext::new(tenant, UserId::generate(), Role::Rep);
    let viewer = TenantContext::new(tenant, UserId::generate(), Role::Viewer);
    let activities = service();
    let note = activities
        .create(&alice, ActivityInput::new(ActivityKind::Note, "Budget approved"))
        .await
        .unwrap();
    assert!(matches!(
        activities.patch(&bob, note.id, |i| i.subject = "Mine now".into()).await,
        Err(RecordError::Forbidden(_))
    ));
    assert!(matches!(
        activities.delete(&bob, note.id).await,
        Err(RecordError::Forbidden(_))
    ));
    assert!(matches!(
        activities
            .create(&viewer, ActivityInput::new(ActivityKind::Note, "x"))
            .await,
        Err(RecordError::Forbidden(_))
    ));
}
