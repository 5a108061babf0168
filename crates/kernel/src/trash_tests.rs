//! The trash use case against an in-memory trash: who may list, restore and
//! delete for good.

use super::*;
use crate::records::Visibility;
use crate::{Limit, Sort, TenantId};
use std::sync::Mutex;

struct Memory {
    entries: Mutex<Vec<TrashEntry>>,
    visibility: Visibility,
}

fn owned(scope: ReadScope, entry: &TrashEntry) -> bool {
    match scope {
        ReadScope::Everything => true,
        ReadScope::OwnedBy(owner) => entry.owner_id == Some(owner),
    }
}

#[async_trait]
impl TrashRepository for Memory {
    async fn list(
        &self,
        _: &TenantContext,
        query: &TrashQuery,
        scope: ReadScope,
    ) -> Result<Page<TrashEntry>, RepoError> {
        let items = self
            .entries
            .lock()
            .unwrap()
            .iter()
            .filter(|e| owned(scope, e))
            .filter(|e| query.kind.is_none_or(|k| k == e.kind))
            .cloned()
            .collect();
        Ok(Page {
            items,
            next_cursor: None,
        })
    }
    async fn get(
        &self,
        _: &TenantContext,
        kind: Option<TrashKind>,
        id: Uuid,
        scope: ReadScope,
    ) -> Result<TrashEntry, RepoError> {
        self.entries
            .lock()
            .unwrap()
            .iter()
            .find(|e| e.id == id && kind.is_none_or(|k| k == e.kind) && owned(scope, e))
            .cloned()
            .ok_or(RepoError::NotFound)
    }
    async fn restore(&self, _: &TenantContext, _: TrashKind, id: Uuid, _: &AuditEntry) -> Result<(), RepoError> {
        self.entries.lock().unwrap().retain(|e| e.id != id);
        Ok(())
    }
    async fn purge(&self, _: &TenantContext, id: Uuid, _: &AuditEntry) -> Result<(), RepoError> {
        self.entries.lock().unwrap().retain(|e| e.id != id);
        Ok(())
    }
}

#[async_trait]
impl VisibilitySettings for Memory {
    async fn rep_visibility(&self, _: &TenantContext) -> Result<Visibility, RepoError> {
        Ok(self.visibility)
    }
}

fn entry(kind: TrashKind, owner: UserId) -> TrashEntry {
    TrashEntry {
        id: Uuid::new_v4(),
        kind,
        label: "Ada Lovelace".into(),
        owner_id: Some(owner),
        deleted_by: Some(owner),
        deleted_by_name: None,
        deleted_at: Utc::now(),
        merged_into: None,
    }
}

fn service(entries: Vec<TrashEntry>, visibility: Visibility) -> (TrashService, Arc<Memory>) {
    let memory = Arc::new(Memory {
        entries: Mutex::new(entries),
        visibility,
    });
    (TrashService::new(memory.clone(), memory.clone()), memory)
}

fn query() -> TrashQuery {
    TrashQuery {
        kind: None,
        page: PageRequest {
            limit: Limit::DEFAULT,
            sort: Sort {
                field: "deleted_at",
                descending: true,
            },
            after: None,
        },
    }
}

#[tokio::test]
async fn a_rep_restores_their_own_record_but_not_a_colleagues() {
    let tenant = TenantId::generate();
    let rep = TenantContext::new(tenant, UserId::generate(), Role::Rep);
    let mine = entry(TrashKind::Contact, rep.user_id);
    let theirs = entry(TrashKind::Contact, UserId::generate());
    let (trash, memory) = service(vec![mine.clone(), theirs.clone()], Visibility::All);

    assert_eq!(
        trash
            .restore(&rep, TrashKind::Contact, mine.id, &RequestOrigin::default())
            .await
            .unwrap(),
        mine
    );
    assert!(matches!(
        trash
            .restore(&rep, TrashKind::Contact, theirs.id, &RequestOrigin::default())
            .await,
        Err(RecordError::Forbidden(_))
    ));
    assert_eq!(memory.entries.lock().unwrap().clone(), vec![theirs]);
}

#[tokio::test]
async fn a_restore_names_the_kind_it_restores() {
    let admin = TenantContext::new(TenantId::generate(), UserId::generate(), Role::Admin);
    let deal = entry(TrashKind::Deal, admin.user_id);
    let (trash, _) = service(vec![deal.clone()], Visibility::All);
    assert!(matches!(
        trash
            .restore(&admin, TrashKind::Contact, deal.id, &RequestOrigin::default())
            .await,
        Err(RecordError::NotFound)
    ));
    assert!(
        trash
            .restore(&admin, TrashKind::Deal, deal.id, &RequestOrigin::default())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn reps_who_see_only_their_own_records_see_only_their_own_trash() {
    let rep = TenantContext::new(TenantId::generate(), UserId::generate(), Role::Rep);
    let mine = entry(TrashKind::Deal, rep.user_id);
    let theirs = entry(TrashKind::Deal, UserId::generate());
    let (trash, _) = service(vec![mine.clone(), theirs.clone()], Visibility::Own);
    assert_eq!(trash.list(&rep, &query()).await.unwrap().items, vec![mine]);
    assert!(matches!(
        trash
            .restore(&rep, TrashKind::Deal, theirs.id, &RequestOrigin::default())
            .await,
        Err(RecordError::NotFound)
    ));
}

#[tokio::test]
async fn only_admins_delete_for_good_and_viewers_restore_nothing() {
    let tenant = TenantId::generate();
    let admin = TenantContext::new(tenant, UserId::generate(), Role::Admin);
    let manager = TenantContext::new(tenant, UserId::generate(), Role::Manager);
    let viewer = TenantContext::new(tenant, UserId::generate(), Role::Viewer);
    let company = entry(TrashKind::Company, manager.user_id);
    let (trash, memory) = service(vec![company.clone()], Visibility::All);

    assert!(matches!(
        trash
            .restore(&viewer, TrashKind::Company, company.id, &RequestOrigin::default())
            .await,
        Err(RecordError::Forbidden(_))
    ));
    assert!(matches!(
        trash.purge(&manager, company.id, &RequestOrigin::default()).await,
        Err(RecordError::Forbidden(_))
    ));
    assert_eq!(
        trash
            .purge(&admin, company.id, &RequestOrigin::default())
            .await
            .unwrap(),
        company
    );
    assert!(memory.entries.lock().unwrap().is_empty());
    assert!(matches!(
        trash.purge(&admin, company.id, &RequestOrigin::default()).await,
        Err(RecordError::NotFound)
    ));
}

#[test]
fn an_entry_is_purged_thirty_days_after_deletion_and_kinds_parse() {
    let e = entry(TrashKind::Activity, UserId::generate());
    assert_eq!(e.purge_at() - e.deleted_at, chrono::Duration::days(30));
    assert_eq!(TrashKind::parse("company"), Ok(TrashKind::Company));
    assert!(TrashKind::parse("pipeline").is_err());
}
