//! Merge requests are checked before anything is stored, and a rep merges
//! only records they own.

use super::*;
use crate::service_tests::{Memory, Setting, input};
use clearview_kernel::custom_fields::NoCustomFields;
use clearview_kernel::records::{ReadScope, Visibility, VisibilitySettings};
use clearview_kernel::{Role, TenantId, UserId};
use mockall::mock;

mock! {
    Merges {}
    #[async_trait]
    impl MergeRepository<Contacts> for Merges {
        async fn duplicates(&self, ctx: &TenantContext, query: &DuplicateQuery, scope: ReadScope)
            -> Result<Page<DuplicatePair>, RepoError>;
        async fn merge(&self, ctx: &TenantContext, plan: &MergePlan, audit: &AuditEntry)
            -> Result<MergeOutcome<crate::Contact>, RepoError>;
    }
}

fn choices(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn a_plan_names_every_unknown_field_and_side_and_refuses_a_record_merged_into_itself() {
    let (a, b) = (ContactId::generate(), ContactId::generate());
    let plan = MergePlan::new::<Contacts>(a, b, &choices(&[("email", "loser"), ("phone", "winner")]), true).unwrap();
    assert_eq!(plan.from_loser, ["email"]);
    assert_eq!(
        (plan.winner, plan.loser, plan.dry_run),
        (a.as_uuid(), b.as_uuid(), true)
    );

    let err =
        MergePlan::new::<Contacts>(a, a, &choices(&[("nickname", "loser"), ("email", "both")]), false).unwrap_err();
    let fields: Vec<&str> = err.fields().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["loser_id", "fields.email", "fields.nickname"]);
    // Companies have their own fields.
    let err = MergePlan::new::<Companies>(
        CompanyId::generate(),
        CompanyId::generate(),
        &choices(&[("email", "loser")]),
        false,
    )
    .unwrap_err();
    assert_eq!(err.fields()[0].field, "fields.email");
}

async fn service(merges: MockMerges) -> (MergeService<Contacts>, RecordService<Contacts>) {
    let settings: Arc<dyn VisibilitySettings> = Arc::new(Setting(Visibility::All));
    let records = RecordService::new(Arc::new(Memory::default()), settings.clone(), Arc::new(NoCustomFields));
    (MergeService::new(records.clone(), Arc::new(merges), settings), records)
}

#[tokio::test]
async fn a_rep_merges_only_records_they_own_and_the_merge_carries_its_audit_entry() {
    let tenant = TenantId::generate();
    let rep = TenantContext::new(tenant, UserId::generate(), Role::Rep);
    let manager = TenantContext::new(tenant, UserId::generate(), Role::Manager);
    let mut merges = MockMerges::new();
    merges
        .expect_merge()
        .times(1)
        .withf(|_, plan, audit| {
            audit.action == actions::CONTACTS_MERGED
                && audit.target_id == Some(plan.winner)
                && audit.details == [("loser_id", plan.loser.to_string())]
        })
        .returning(|_, _, _| Err(RepoError::NotFound));
    let (service, records) = service(merges).await;
    let mine = records.create(&rep, input("Ada")).await.unwrap();
    let theirs = records.create(&manager, input("Bob")).await.unwrap();

    let plan = MergePlan::new::<Contacts>(mine.id, theirs.id, &BTreeMap::new(), false).unwrap();
    assert!(matches!(
        service.merge(&rep, &plan, &RequestOrigin::default()).await,
        Err(RecordError::Forbidden(_))
    ));
    // The manager may; the store's answer comes through.
    assert!(matches!(
        service.merge(&manager, &plan, &RequestOrigin::default()).await,
        Err(RecordError::NotFound)
    ));
}
