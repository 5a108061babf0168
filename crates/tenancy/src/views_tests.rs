use super::*;
use clearview_kernel::TenantId;

fn ctx(role: Role) -> TenantContext {
    TenantContext::new(TenantId::generate(), UserId::generate(), role)
}

fn fields(errors: &ValidationErrors) -> Vec<String> {
    errors.fields().iter().map(|e| e.field.clone()).collect()
}

fn input(name: &str) -> ViewInput {
    ViewInput {
        name: Some(name.into()),
        ..ViewInput::default()
    }
}

fn stored(owner: UserId, shared: bool) -> SavedView {
    SavedView {
        id: Uuid::now_v7(),
        entity: ViewEntity::Contact,
        name: "Mine".into(),
        owner_id: owner,
        shared,
        filters: BTreeMap::new(),
        sort: None,
        columns: vec![],
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

#[test]
fn a_view_holds_only_what_its_list_understands() {
    let ok = ViewInput {
        filters: Some(BTreeMap::from([("owner_id".to_owned(), "me".to_owned())])),
        sort: Some(Some("-last_name".into())),
        columns: Some(vec!["email".into(), "owner".into()]),
        ..input("My contacts")
    }
    .apply(ViewDraft::empty(ViewEntity::Contact))
    .unwrap();
    assert_eq!(ok.sort.as_deref(), Some("-last_name"));

    let wrong = ViewInput {
        name: Some("  ".into()),
        filters: Some(BTreeMap::from([("stage_id".to_owned(), "x".to_owned())])),
        sort: Some(Some("amount".into())),
        columns: Some(vec!["email".into(), "email".into(), "stage".into()]),
        ..ViewInput::default()
    }
    .apply(ViewDraft::empty(ViewEntity::Contact))
    .unwrap_err();
    assert_eq!(fields(&wrong), ["name", "filters", "sort", "columns", "columns"]);

    let deals = ViewInput {
        filters: Some(BTreeMap::from([("stage_id".to_owned(), "x".to_owned())])),
        sort: Some(Some("amount".into())),
        ..input("Big deals")
    };
    assert!(deals.apply(ViewDraft::empty(ViewEntity::Deal)).is_ok());
}

#[test]
fn a_view_may_filter_sort_and_show_custom_fields() {
    let custom = ViewInput {
        filters: Some(BTreeMap::from([("cf.seats.gte".to_owned(), "10".to_owned())])),
        sort: Some(Some("-cf.tier".into())),
        columns: Some(vec!["cf.tier".into(), "domain".into()]),
        ..input("Big accounts")
    };
    assert!(custom.apply(ViewDraft::empty(ViewEntity::Company)).is_ok());
    let malformed = ViewInput {
        columns: Some(vec!["cf.".into(), "cf.Tier".into()]),
        ..input("Odd")
    };
    assert!(malformed.apply(ViewDraft::empty(ViewEntity::Company)).is_err());
}

#[test]
fn a_change_keeps_what_it_does_not_mention() {
    let base = ViewDraft {
        name: "Old".into(),
        sort: Some("name".into()),
        ..ViewDraft::empty(ViewEntity::Company)
    };
    let renamed = input("New").apply(base.clone()).unwrap();
    assert_eq!((renamed.name.as_str(), renamed.sort.as_deref()), ("New", Some("name")));
    let unsorted = ViewInput {
        sort: Some(None),
        ..ViewInput::default()
    }
    .apply(base)
    .unwrap();
    assert_eq!((unsorted.name.as_str(), unsorted.sort), ("Old", None));
}

#[tokio::test]
async fn only_the_owner_or_an_admin_changes_a_shared_view() {
    let owner = UserId::generate();
    let mut repo = MockViewRepository::new();
    repo.expect_get().returning(move |_, _| Ok(stored(owner, true)));
    repo.expect_update()
        .times(1)
        .returning(move |_, _, _| Ok(stored(owner, true)));
    repo.expect_delete().never();
    let views = ViewService::new(Arc::new(repo));
    let id = Uuid::now_v7();
    assert!(matches!(
        views.change(&ctx(Role::Manager), id, input("Hijacked")).await,
        Err(RecordError::Forbidden(_))
    ));
    assert!(matches!(
        views.delete(&ctx(Role::Rep), id).await,
        Err(RecordError::Forbidden(_))
    ));
    views.change(&ctx(Role::Admin), id, input("Tidied")).await.unwrap();
}

#[tokio::test]
async fn viewers_keep_views_private_and_a_list_holds_at_most_fifty_of_ones_own() {
    let mut repo = MockViewRepository::new();
    repo.expect_count_own().returning(|_, _| Ok(VIEWS_PER_LIST));
    repo.expect_insert().never();
    let views = ViewService::new(Arc::new(repo));
    let shared = ViewInput {
        shared: Some(true),
        ..input("Team view")
    };
    assert!(matches!(
        views.create(&ctx(Role::Viewer), ViewEntity::Deal, shared).await,
        Err(RecordError::Forbidden(_))
    ));
    assert!(matches!(
        views
            .create(&ctx(Role::Rep), ViewEntity::Deal, input("One too many"))
            .await,
        Err(RecordError::Conflict(_))
    ));
}
