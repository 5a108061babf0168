use super::*;
use crate::model::{Me, Organization, RepVisibility};
use crate::ports::{MockAccountRepository, MockPasswordHasher, MockSecretMinter};
use chrono::TimeZone;
use mockall::predicate::*;

const SEED: &[u8] = b"12345678901234567890";

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0).unwrap()
}

fn minter() -> MockSecretMinter {
    let mut minter = MockSecretMinter::new();
    minter.expect_mint().returning(|t| format!("{t}.secret"));
    minter.expect_digest().returning(|s| s.as_bytes().to_vec());
    minter.expect_tenant_of().returning(|s| {
        s.split('.')
            .next()
            .and_then(|t| t.parse().ok())
            .map(TenantId::from_uuid)
    });
    minter
}

fn secrets() -> MockMfaSecrets {
    let mut secrets = MockMfaSecrets::new();
    secrets.expect_seed().returning(|| SEED.to_vec());
    let mut n = 0;
    secrets.expect_recovery_code().returning(move || {
        n += 1;
        format!("code{n:02}-abcde")
    });
    secrets
}

fn me(ctx: &TenantContext) -> Me {
    Me {
        user_id: ctx.user_id,
        name: "Ada".into(),
        email: "ada@example.test".into(),
        role: ctx.role,
        organization: Organization {
            id: ctx.tenant_id,
            name: "Acme".into(),
            rep_visibility: RepVisibility::All,
            default_currency: "USD".into(),
            mfa_required: MfaPolicy::Off,
        },
    }
}

fn service(repo: MockMfaRepository, accounts: MockAccountRepository, hasher: MockPasswordHasher) -> MfaService {
    let mut log = crate::audit::MockAuditLog::new();
    log.expect_record().returning(|_, _, _| Ok(()));
    service_with_log(repo, accounts, hasher, log)
}

fn service_with_log(
    repo: MockMfaRepository,
    accounts: MockAccountRepository,
    hasher: MockPasswordHasher,
    log: crate::audit::MockAuditLog,
) -> MfaService {
    let repo: Arc<dyn MfaRepository> = Arc::new(repo);
    let accounts: Arc<dyn AccountRepository> = Arc::new(accounts);
    let hasher: Arc<dyn PasswordHasher> = Arc::new(hasher);
    let minter: Arc<dyn SecretMinter> = Arc::new(minter());
    let auth = AuthService::new(
        accounts.clone(),
        hasher.clone(),
        minter.clone(),
        None,
        Duration::minutes(15),
        repo.clone(),
    );
    MfaService::new(MfaPorts {
        repo,
        accounts,
        hasher,
        minter,
        secrets: Arc::new(secrets()),
        auth,
        log: Arc::new(log),
    })
}

fn origin() -> RequestOrigin {
    RequestOrigin::default()
}

fn ctx(role: Role) -> TenantContext {
    TenantContext::new(TenantId::generate(), UserId::generate(), role)
}

fn enrolled(policy: MfaPolicy) -> MfaStanding {
    MfaStanding { enrolled: true, policy }
}

#[test]
fn rfc_6238_vectors_and_a_window_of_one_step_either_side() {
    // RFC 6238 appendix B, SHA-1 (the last six digits of its 8-digit codes).
    assert_eq!(code_at(SEED, at(59)), "287082");
    assert_eq!(code_at(SEED, at(1_111_111_109)), "081804");
    let now = at(1_111_111_109);
    let step = 1_111_111_109 / 30;
    assert_eq!(matching_step(SEED, "081804", now), Some(step));
    assert_eq!(matching_step(SEED, "081 804", now), Some(step), "as apps show it");
    assert_eq!(
        matching_step(SEED, &code_at(SEED, at(1_111_111_109 - 30)), now),
        Some(step - 1)
    );
    assert_eq!(
        matching_step(SEED, &code_at(SEED, at(1_111_111_109 + 30)), now),
        Some(step + 1)
    );
    assert_eq!(matching_step(SEED, &code_at(SEED, at(1_111_111_109 - 60)), now), None);
    assert_eq!(matching_step(SEED, &code_at(SEED, at(1_111_111_109 + 60)), now), None);
    assert_eq!(matching_step(SEED, "08180", now), None);
    assert_eq!(matching_step(SEED, "08180x", now), None);
}

#[test]
fn recovery_codes_compare_without_case_spaces_or_dashes() {
    assert_eq!(normalize_recovery_code(" AbCdE-fGhIj "), "abcdefghij");
    assert_eq!(normalize_recovery_code("abcde fghij"), "abcdefghij");
}

#[test]
fn a_policy_names_who_must_enroll() {
    assert!(!MfaPolicy::Off.requires(Role::Admin));
    assert!(MfaPolicy::Admins.requires(Role::Admin));
    assert!(!MfaPolicy::Admins.requires(Role::Rep));
    assert!(MfaPolicy::Everyone.requires(Role::Viewer));
    assert_eq!("everyone".parse::<MfaPolicy>(), Ok(MfaPolicy::Everyone));
    assert!("sometimes".parse::<MfaPolicy>().is_err());
}

#[tokio::test]
async fn enrollment_gives_an_otpauth_uri_for_the_persons_address() {
    let ctx = ctx(Role::Rep);
    let mut accounts = MockAccountRepository::new();
    accounts.expect_me().returning(|c| Ok(me(c)));
    let mut repo = MockMfaRepository::new();
    repo.expect_save_unconfirmed()
        .with(eq(ctx.user_id), eq(SEED.to_vec()))
        .times(1)
        .returning(|_, _| Ok(true));
    let enrollment = service(repo, accounts, MockPasswordHasher::new())
        .enroll(&ctx)
        .await
        .unwrap();
    assert_eq!(enrollment.secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    assert!(
        enrollment
            .otpauth_uri
            .starts_with("otpauth://totp/Clearview:ada%40example.test?")
    );
    assert!(
        enrollment
            .otpauth_uri
            .contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    );
    assert!(enrollment.otpauth_uri.contains("issuer=Clearview"));
}

#[tokio::test]
async fn enrolling_twice_is_refused_once_confirmed() {
    let mut accounts = MockAccountRepository::new();
    accounts.expect_me().returning(|c| Ok(me(c)));
    let mut repo = MockMfaRepository::new();
    repo.expect_save_unconfirmed().returning(|_, _| Ok(false));
    let err = service(repo, accounts, MockPasswordHasher::new())
        .enroll(&ctx(Role::Rep))
        .await
        .unwrap_err();
    assert!(matches!(err, MfaError::AlreadyEnabled));
}

#[tokio::test]
async fn confirming_with_a_right_code_stores_ten_digests_and_shows_the_codes_once() {
    let ctx = ctx(Role::Rep);
    let mut repo = MockMfaRepository::new();
    repo.expect_totp().returning(|_| {
        Ok(Some(StoredTotp {
            seed: SEED.to_vec(),
            confirmed: false,
        }))
    });
    repo.expect_confirm()
        .withf(|_, _, digests, audit| {
            audit.action == actions::MFA_ENABLED
                && digests.len() == RECOVERY_CODES
                && digests[0] == b"code01abcde".to_vec() // normalized before digest
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    let codes = service(repo, MockAccountRepository::new(), MockPasswordHasher::new())
        .confirm(&ctx, &code_at(SEED, Utc::now()), &RequestOrigin::default())
        .await
        .unwrap();
    assert_eq!(codes.len(), RECOVERY_CODES);
    assert_eq!(codes[0], "code01-abcde");
}

#[tokio::test]
async fn confirming_with_a_wrong_code_changes_nothing() {
    let mut repo = MockMfaRepository::new();
    repo.expect_totp().returning(|_| {
        Ok(Some(StoredTotp {
            seed: SEED.to_vec(),
            confirmed: false,
        }))
    });
    repo.expect_confirm().never();
    let err = service(repo, MockAccountRepository::new(), MockPasswordHasher::new())
        .confirm(&ctx(Role::Rep), "000000x", &RequestOrigin::default())
        .await
        .unwrap_err();
    assert!(matches!(err, MfaError::WrongCode("code")));
}

fn live_challenge(repo: &mut MockMfaRepository, user_id: UserId) {
    repo.expect_attempt_challenge().returning(move |_, _| {
        Ok(Some(ChallengeAttempt {
            user_id,
            role: Role::Manager,
        }))
    });
    repo.expect_totp().returning(|_| {
        Ok(Some(StoredTotp {
            seed: SEED.to_vec(),
            confirmed: true,
        }))
    });
}

#[tokio::test]
async fn a_right_code_answers_the_challenge_with_a_session() {
    let (tenant, user) = (TenantId::generate(), UserId::generate());
    let mut repo = MockMfaRepository::new();
    live_challenge(&mut repo, user);
    repo.expect_claim_step().times(1).returning(|_, _| Ok(true));
    repo.expect_consume_challenge().times(1).returning(|_, _| Ok(true));
    repo.expect_standing()
        .returning(|_, _| Ok(enrolled(MfaPolicy::Everyone)));
    let mut accounts = MockAccountRepository::new();
    accounts.expect_create_session().times(1).returning(|_, _, _| Ok(()));
    let grant = service(repo, accounts, MockPasswordHasher::new())
        .verify(
            &format!("{tenant}.secret"),
            &SecondFactor::Code(code_at(SEED, Utc::now())),
            &origin(),
        )
        .await
        .unwrap();
    assert_eq!((grant.identity.tenant_id, grant.identity.user_id), (tenant, user));
    assert_eq!(
        grant.identity.role,
        Role::Manager,
        "the role as of now, not as of the password"
    );
    assert!(!grant.identity.mfa_enrollment_pending);
}

#[tokio::test]
async fn a_code_already_used_opens_nothing() {
    let tenant = TenantId::generate();
    let mut repo = MockMfaRepository::new();
    live_challenge(&mut repo, UserId::generate());
    repo.expect_claim_step().returning(|_, _| Ok(false));
    repo.expect_consume_challenge().never();
    let mut accounts = MockAccountRepository::new();
    accounts.expect_create_session().never();
    let err = service(repo, accounts, MockPasswordHasher::new())
        .verify(
            &format!("{tenant}.secret"),
            &SecondFactor::Code(code_at(SEED, Utc::now())),
            &origin(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, MfaError::WrongCode("code")));
}

#[tokio::test]
async fn a_spent_or_unknown_challenge_is_gone_before_any_code_is_checked() {
    let mut repo = MockMfaRepository::new();
    repo.expect_attempt_challenge().returning(|_, _| Ok(None));
    repo.expect_totp().never();
    let auth = service(repo, MockAccountRepository::new(), MockPasswordHasher::new());
    let tenant = TenantId::generate();
    let answer = SecondFactor::Code("123456".into());
    assert!(matches!(
        auth.verify(&format!("{tenant}.secret"), &answer, &origin()).await,
        Err(MfaError::ChallengeGone)
    ));
    assert!(matches!(
        auth.verify("not-a-challenge", &answer, &origin()).await,
        Err(MfaError::ChallengeGone)
    ));
}

#[tokio::test]
async fn a_recovery_code_is_compared_by_its_normalized_digest() {
    let tenant = TenantId::generate();
    let mut repo = MockMfaRepository::new();
    live_challenge(&mut repo, UserId::generate());
    repo.expect_use_recovery_code()
        .withf(|_, digest| digest == b"abcdefghij")
        .times(1)
        .returning(|_, _| Ok(true));
    repo.expect_consume_challenge().returning(|_, _| Ok(true));
    repo.expect_standing().returning(|_, _| Ok(enrolled(MfaPolicy::Off)));
    let mut accounts = MockAccountRepository::new();
    accounts.expect_create_session().returning(|_, _, _| Ok(()));
    service(repo, accounts, MockPasswordHasher::new())
        .verify(
            &format!("{tenant}.secret"),
            &SecondFactor::RecoveryCode("ABCDE-fghij".into()),
            &origin(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn turning_it_off_needs_the_password_and_is_refused_while_required() {
    let mut repo = MockMfaRepository::new();
    repo.expect_standing().returning(|_, _| Ok(enrolled(MfaPolicy::Admins)));
    repo.expect_password_hash().returning(|_| Ok(Some("hash".into())));
    repo.expect_remove().never();
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_verify()
        .returning(|password, _| password == "right password");
    let mfa = service(repo, MockAccountRepository::new(), hasher);
    let code = SecondFactor::Code(code_at(SEED, Utc::now()));
    assert!(matches!(
        mfa.disable(&ctx(Role::Admin), "wrong password", &code, &RequestOrigin::default())
            .await,
        Err(MfaError::Auth(AuthError::WrongPassword(_)))
    ));
    assert!(matches!(
        mfa.disable(&ctx(Role::Admin), "right password", &code, &RequestOrigin::default())
            .await,
        Err(MfaError::Required)
    ));
}

#[tokio::test]
async fn turning_it_off_with_password_and_code_removes_the_factor() {
    let mut repo = MockMfaRepository::new();
    repo.expect_standing().returning(|_, _| Ok(enrolled(MfaPolicy::Admins)));
    repo.expect_password_hash().returning(|_| Ok(Some("hash".into())));
    repo.expect_totp().returning(|_| {
        Ok(Some(StoredTotp {
            seed: SEED.to_vec(),
            confirmed: true,
        }))
    });
    repo.expect_claim_step().returning(|_, _| Ok(true));
    repo.expect_remove()
        .times(1)
        .withf(|_, audit| audit.action == actions::MFA_DISABLED)
        .returning(|_, _| Ok(()));
    let mut hasher = MockPasswordHasher::new();
    hasher.expect_verify().returning(|_, _| true);
    service(repo, MockAccountRepository::new(), hasher)
        .disable(
            &ctx(Role::Rep),
            "right password",
            &SecondFactor::Code(code_at(SEED, Utc::now())),
            &RequestOrigin::default(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_wrong_code_at_sign_in_is_recorded_in_the_organizations_trail() {
    let (tenant, user) = (TenantId::generate(), UserId::generate());
    let mut repo = MockMfaRepository::new();
    live_challenge(&mut repo, user);
    let mut log = crate::audit::MockAuditLog::new();
    log.expect_record()
        .withf(move |t, actor, entry| *t == tenant && *actor == Some(user) && entry.action == actions::MFA_FAILED)
        .times(1)
        .returning(|_, _, _| Ok(()));
    let mfa = service_with_log(repo, MockAccountRepository::new(), MockPasswordHasher::new(), log);
    let wrong = mfa
        .verify(
            &format!("{tenant}.secret"),
            &SecondFactor::Code("12345x".into()),
            &origin(),
        )
        .await;
    assert!(matches!(wrong, Err(MfaError::WrongCode("code"))));
}
