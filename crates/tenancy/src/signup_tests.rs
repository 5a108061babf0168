use super::*;
use crate::model::LoginCandidate;
use crate::ports::{MockAccountRepository, MockPasswordHasher, MockSecretMinter};

fn secrets() -> MockSecretMinter {
    let mut secrets = MockSecretMinter::new();
    secrets.expect_mint().returning(|t| format!("{t}.secret"));
    secrets.expect_digest().returning(|s| s.as_bytes().to_vec());
    secrets.expect_tenant_of().returning(|s| {
        s.split('.')
            .next()
            .and_then(|t| t.parse().ok())
            .map(TenantId::from_uuid)
    });
    secrets
}

fn hasher(verifies: bool) -> MockPasswordHasher {
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_hash().returning(|p| Ok(format!("hash:{p}")));
    hasher.expect_verify().returning(move |_, _| verifies);
    hasher
}

fn no_second_factor() -> crate::mfa::MockMfaRepository {
    let mut mfa = crate::mfa::MockMfaRepository::new();
    mfa.expect_standing()
        .returning(|_, _| Ok(crate::mfa::MfaStanding::default()));
    mfa
}

fn service(signups: MockSignupRepository, accounts: MockAccountRepository, verifies: bool) -> SignupService {
    let accounts: Arc<dyn AccountRepository> = Arc::new(accounts);
    let hasher: Arc<dyn PasswordHasher> = Arc::new(hasher(verifies));
    let secrets: Arc<dyn SecretMinter> = Arc::new(secrets());
    let auth = AuthService::new(
        accounts.clone(),
        hasher.clone(),
        secrets.clone(),
        None,
        Duration::minutes(15),
        Arc::new(no_second_factor()),
    );
    SignupService::new(
        Arc::new(signups),
        accounts,
        hasher,
        secrets,
        auth,
        "https://crm.example/".into(),
    )
}

fn registration(email: &str) -> NewRegistration {
    NewRegistration::parse("Acme", "Ada", email, "correct horse battery").unwrap()
}

#[tokio::test]
async fn an_address_that_has_an_account_gets_a_notice_and_no_new_organization() {
    let member_of = TenantId::generate();
    let mut accounts = MockAccountRepository::new();
    accounts.expect_login_candidates().returning(move |_| {
        Ok(vec![LoginCandidate {
            user_id: UserId::generate(),
            password_hash: "h".into(),
            membership: Some((member_of, "Corp".into(), Role::Rep)),
        }])
    });
    let mut signups = MockSignupRepository::new();
    signups.expect_create_signup().never();
    signups
        .expect_queue_notice()
        .withf(move |via, message| *via == member_of && message.to == "ada@corp.example")
        .times(1)
        .returning(|_, _| Ok(()));
    let created = service(signups, accounts, true)
        .register(registration("ada@corp.example"))
        .await
        .unwrap();
    assert_eq!(created, None);
}

#[tokio::test]
async fn a_new_address_gets_a_pending_sign_up_whose_link_is_only_in_the_email() {
    let mut accounts = MockAccountRepository::new();
    accounts.expect_login_candidates().returning(|_| Ok(vec![]));
    let mut signups = MockSignupRepository::new();
    signups
        .expect_create_signup()
        .withf(|s| {
            let token = format!("{}.secret", s.tenant_id);
            s.password_hash == "hash:correct horse battery"
                && s.token_hash == token.as_bytes()
                && s.message
                    .text
                    .contains(&format!("https://crm.example/verify-email?token={token}"))
        })
        .times(1)
        .returning(|_| Ok(()));
    let created = service(signups, accounts, true)
        .register(registration("ada@new.example"))
        .await
        .unwrap();
    assert!(created.is_some());
}

fn pending(signups: &mut MockSignupRepository) {
    signups.expect_pending_signup().returning(|_, _| {
        Ok(Some(PendingSignup {
            id: Uuid::now_v7(),
            email: "ada@new.example".into(),
            password_hash: "hash".into(),
        }))
    });
}

#[tokio::test]
async fn following_a_link_with_another_password_creates_nothing() {
    let mut signups = MockSignupRepository::new();
    pending(&mut signups);
    signups.expect_complete_signup().never();
    let token = format!("{}.secret", TenantId::generate());
    let err = service(signups, MockAccountRepository::new(), false)
        .verify(&token, "not the password at all", &RequestOrigin::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AuthError::WrongPassword(_)),
        "expected a 401 naming the password"
    );
}

#[tokio::test]
async fn a_link_for_an_address_taken_meanwhile_is_a_conflict() {
    let mut signups = MockSignupRepository::new();
    pending(&mut signups);
    signups.expect_complete_signup().returning(|_, _, _, _| {
        Err(RepoError::Duplicate {
            field: "email",
            existing_id: None,
        })
    });
    let token = format!("{}.secret", TenantId::generate());
    let err = service(signups, MockAccountRepository::new(), true)
        .verify(&token, "correct horse battery", &RequestOrigin::default())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::EmailTaken));
}

#[tokio::test]
async fn a_verified_link_signs_in_as_the_new_admin() {
    let mut signups = MockSignupRepository::new();
    pending(&mut signups);
    let user = UserId::generate();
    signups
        .expect_complete_signup()
        .withf(|tenant, _, _, audit| {
            audit.action == actions::ORGANIZATION_CREATED && audit.target_id == Some(tenant.as_uuid())
        })
        .returning(move |_, _, _, _| Ok(user));
    let mut accounts = MockAccountRepository::new();
    accounts.expect_create_session().times(1).returning(|_, _, _| Ok(()));
    let tenant = TenantId::generate();
    let grant = service(signups, accounts, true)
        .verify(
            &format!("{tenant}.secret"),
            "correct horse battery",
            &RequestOrigin::default(),
        )
        .await
        .unwrap();
    assert_eq!(grant.identity.tenant_id, tenant);
    assert_eq!(grant.identity.user_id, user);
    assert_eq!(grant.identity.role, Role::Admin);
}
