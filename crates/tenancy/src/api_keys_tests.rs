use super::*;
use crate::ports::MockSecretMinter;

const SECRET: &str = "cvk_0123456789abcdef_secret";

fn admin() -> TenantContext {
    TenantContext::new(TenantId::generate(), UserId::generate(), Role::Admin)
}

fn minter(tenant: Option<TenantId>) -> MockSecretMinter {
    let mut secrets = MockSecretMinter::new();
    secrets.expect_mint().returning(|_| SECRET.to_owned());
    secrets.expect_digest().returning(|s| s.as_bytes().to_vec());
    secrets.expect_tenant_of().returning(move |_| tenant);
    secrets
}

fn stored(key: &NewApiKey) -> ApiKey {
    ApiKey {
        id: key.id,
        name: key.name.clone(),
        role: key.role,
        scope: key.scope,
        hint: key.hint.clone(),
        created_by: None,
        created_at: Utc::now(),
        expires_at: key.expires_at,
        last_used_at: None,
    }
}

fn request(name: &str, role: &str, scope: Option<&str>) -> KeyRequest {
    KeyRequest {
        name: name.into(),
        role: role.into(),
        scope: scope.map(Into::into),
        expires_in_days: None,
    }
}

#[tokio::test]
async fn a_new_key_stores_only_the_digest_and_a_short_hint() {
    let mut keys = MockApiKeyRepository::new();
    keys.expect_create()
        .withf(|_, key, _| {
            key.secret_hash == SECRET.as_bytes() && key.hint == "…secret" && key.scope == KeyScope::Write
        })
        .returning(|_, key, _| Ok(stored(key)));
    let service = ApiKeyService::new(Arc::new(keys), Arc::new(minter(None)));
    let (key, secret) = service
        .create(
            &admin(),
            &request("  Zapier  ", "rep", None),
            Utc::now(),
            &RequestOrigin::default(),
        )
        .await
        .unwrap();
    assert_eq!(secret, SECRET);
    assert_eq!(key.name, "Zapier");
    assert_eq!(key.role, Role::Rep);
}

#[tokio::test]
async fn an_expiry_in_days_becomes_a_time() {
    let mut keys = MockApiKeyRepository::new();
    keys.expect_create().returning(|_, key, _| Ok(stored(key)));
    let service = ApiKeyService::new(Arc::new(keys), Arc::new(minter(None)));
    let now = Utc::now();
    let mut ask = request("ci", "rep", Some("read"));
    ask.expires_in_days = Some(30);
    let (key, _) = service
        .create(&admin(), &ask, now, &RequestOrigin::default())
        .await
        .unwrap();
    assert_eq!(key.expires_at, Some(now + chrono::Duration::days(30)));
    ask.expires_in_days = Some(KEY_MAX_DAYS + 1);
    assert!(matches!(
        service.create(&admin(), &ask, now, &RequestOrigin::default()).await,
        Err(RecordError::Invalid(_))
    ));
}

#[tokio::test]
async fn every_bad_field_is_named_and_nothing_is_stored() {
    let service = ApiKeyService::new(Arc::new(MockApiKeyRepository::new()), Arc::new(minter(None)));
    let mut bad = request(" ", "owner", Some("delete"));
    bad.expires_in_days = Some(0);
    let Err(RecordError::Invalid(errors)) = service
        .create(&admin(), &bad, Utc::now(), &RequestOrigin::default())
        .await
    else {
        panic!("expected a validation error");
    };
    let fields: Vec<&str> = errors.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["name", "role", "scope", "expires_in_days"]);
}

#[tokio::test]
async fn only_admins_manage_keys() {
    let service = ApiKeyService::new(Arc::new(MockApiKeyRepository::new()), Arc::new(minter(None)));
    for role in [Role::Manager, Role::Rep, Role::Viewer] {
        let ctx = TenantContext::new(TenantId::generate(), UserId::generate(), role);
        let create = service
            .create(&ctx, &request("k", "rep", None), Utc::now(), &RequestOrigin::default())
            .await;
        assert!(matches!(create, Err(RecordError::Forbidden(_))));
        assert!(matches!(service.list(&ctx).await, Err(RecordError::Forbidden(_))));
        assert!(matches!(
            service.revoke(&ctx, Uuid::now_v7(), &RequestOrigin::default()).await,
            Err(RecordError::Forbidden(_))
        ));
    }
}

fn holder(creator_role: Option<Role>) -> KeyHolder {
    KeyHolder {
        key_id: Uuid::now_v7(),
        role: Role::Viewer,
        scope: KeyScope::Read,
        created_by: Some(UserId::generate()),
        creator_role,
    }
}

async fn authenticate(found: Option<KeyHolder>) -> Option<KeyCaller> {
    let tenant = TenantId::generate();
    let mut keys = MockApiKeyRepository::new();
    keys.expect_authenticate()
        .withf(move |t, hash| *t == tenant && hash == SECRET.as_bytes())
        .returning(move |_, _| Ok(found.clone()));
    let service = ApiKeyService::new(Arc::new(keys), Arc::new(minter(Some(tenant))));
    let caller = service.authenticate(SECRET).await.unwrap();
    if let Some(caller) = caller {
        assert_eq!(caller.ctx.tenant_id, tenant);
    }
    caller
}

#[tokio::test]
async fn a_key_acts_as_its_creator_with_its_own_role_and_scope() {
    let found = holder(Some(Role::Admin));
    let caller = authenticate(Some(found.clone())).await.expect("a live key");
    assert_eq!(caller.ctx.user_id, found.created_by.unwrap());
    assert_eq!(caller.ctx.role, Role::Viewer);
    assert_eq!(caller.scope, KeyScope::Read);
    assert_eq!(caller.key_id, found.key_id);
}

#[tokio::test]
async fn a_key_stops_when_its_creator_is_no_longer_an_admin() {
    assert_eq!(authenticate(Some(holder(Some(Role::Manager)))).await, None);
    assert_eq!(authenticate(Some(holder(None))).await, None);
    let mut erased = holder(Some(Role::Admin));
    erased.created_by = None;
    assert_eq!(authenticate(Some(erased)).await, None);
    assert_eq!(authenticate(None).await, None);
}

#[tokio::test]
async fn a_malformed_secret_is_refused_without_a_look_up() {
    // No expectation on the repository: a call would panic.
    let service = ApiKeyService::new(Arc::new(MockApiKeyRepository::new()), Arc::new(minter(None)));
    assert_eq!(service.authenticate("garbage").await.unwrap(), None);
}
