//! Account pre-hijacking (issue 9, class 1): an identity reaches an
//! organization only after its owner proved control of the address, and a
//! stranger who "registered first" holds nothing.

use clearview_tests::smtp::token_in;
use clearview_tests::{PASSWORD, TestApp, spawn_app};
use serde_json::{Value, json};

const ATTACKER_PASSWORD: &str = "attacker knows this one";
const VICTIM_PASSWORD: &str = "the victim's own password";

async fn sign_up(app: &TestApp, organization: &str, email: &str, password: &str) -> (u16, Value, bool) {
    let response = app
        .anonymous()
        .post(
            "/api/auth/register",
            &json!({"organization_name": organization, "name": "Someone", "email": email, "password": password}),
        )
        .await;
    (
        response.status,
        response.json.clone(),
        response.set_cookie("__Host-cv_access").is_some(),
    )
}

async fn login(app: &TestApp, email: &str, password: &str) -> u16 {
    app.anonymous()
        .post("/api/auth/login", &json!({"email": email, "password": password}))
        .await
        .status
}

#[tokio::test]
async fn pre_hijacking_an_address_by_signing_up_first_gives_the_attacker_nothing() {
    let app = spawn_app().await;
    let victim = "victim@corp.example";
    // The attacker signs up with the victim's address and their own password.
    let (status, _, session) = sign_up(&app, "Evil Ltd", victim, ATTACKER_PASSWORD).await;
    assert_eq!(status, 202);
    assert!(!session, "no session before the address is proven");
    assert_eq!(login(&app, victim, ATTACKER_PASSWORD).await, 401);

    // Corp's admin invites the victim, who accepts with their own password.
    let mut corp = app.register("Corp").await;
    let path = format!("/api/organizations/{}/invite", corp.tenant_id);
    assert_eq!(
        corp.post(&path, &json!({"email": victim, "role": "rep"})).await.status,
        202
    );
    let invitation = token_in(&app.mail_to(victim, "/invitations/accept?token=", None).await).unwrap();
    let mut person = app.anonymous();
    let accepted = person
        .post(
            "/api/invitations/accept",
            &json!({"token": invitation, "name": "Victim", "password": VICTIM_PASSWORD}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);

    // The attacker's password opens nothing; the victim's opens Corp.
    assert_eq!(login(&app, victim, ATTACKER_PASSWORD).await, 401);
    assert_eq!(login(&app, victim, VICTIM_PASSWORD).await, 200);

    // Even the victim following the attacker's sign-up link cannot be
    // walked into an account whose password the attacker knows.
    let signup = token_in(&app.mail_to(victim, "/verify-email?token=", None).await).unwrap();
    let clicked = person
        .post(
            "/api/auth/verify-email",
            &json!({"token": signup, "password": VICTIM_PASSWORD}),
        )
        .await;
    assert_eq!(clicked.status, 401);
    assert_eq!(clicked.error_fields(), ["password"]);
    let attacker = app
        .anonymous()
        .post(
            "/api/auth/verify-email",
            &json!({"token": signup, "password": ATTACKER_PASSWORD}),
        )
        .await;
    assert_eq!(
        attacker.status, 409,
        "the address belongs to its owner now: {}",
        attacker.body
    );
    assert_eq!(login(&app, victim, ATTACKER_PASSWORD).await, 401);
}

#[tokio::test]
async fn signing_up_with_a_taken_address_answers_the_same_and_mails_the_owner_instead() {
    let app = spawn_app().await;
    let owner = app.register("Acme").await;
    let organizations = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM organizations")
            .fetch_one(&app.owner)
            .await
            .unwrap()
    };
    let before = organizations().await;
    let taken = sign_up(&app, "Other", &owner.email.to_uppercase(), ATTACKER_PASSWORD).await;
    let fresh = sign_up(&app, "Fresh", "nobody-yet@fresh.example", ATTACKER_PASSWORD).await;
    assert_eq!(taken, fresh, "the same answer either way: no enumeration");
    assert_eq!(
        organizations().await,
        before + 1,
        "only the fresh address got an organization"
    );
    let notice = app.mail_to(&owner.email.to_uppercase(), "already has an", None).await;
    assert!(!notice.contains("token="), "the notice carries no sign-up link");
    assert_eq!(login(&app, &owner.email, ATTACKER_PASSWORD).await, 401);
    assert_eq!(login(&app, &owner.email, PASSWORD).await, 200);
}

#[tokio::test]
async fn accepting_an_invitation_as_an_existing_account_takes_that_accounts_password() {
    let app = spawn_app().await;
    let mut other = app.register("Other").await;
    let existing = app.register("Home").await;
    let path = format!("/api/organizations/{}/invite", other.tenant_id);
    assert_eq!(
        other
            .post(&path, &json!({"email": existing.email, "role": "manager"}))
            .await
            .status,
        202
    );
    let token = token_in(&app.mail_to(&existing.email, "/invitations/accept?token=", None).await).unwrap();
    let mut stranger = app.anonymous();
    let without = stranger
        .post(
            "/api/invitations/accept",
            &json!({"token": token, "name": "Mallory", "password": ""}),
        )
        .await;
    assert_eq!(without.status, 422);
    assert_eq!(without.error_fields(), ["password"]);
    let wrong = stranger
        .post(
            "/api/invitations/accept",
            &json!({"token": token, "name": "Mallory", "password": ATTACKER_PASSWORD}),
        )
        .await;
    assert_eq!(wrong.status, 401, "a new password does not replace the account's");
    assert_eq!(login(&app, &existing.email, ATTACKER_PASSWORD).await, 401);
    let right = stranger
        .post(
            "/api/invitations/accept",
            &json!({"token": token, "password": PASSWORD}),
        )
        .await;
    assert_eq!(right.status, 200, "{}", right.body);
    assert_eq!(right.json["organization"]["id"], other.tenant_id.to_string());
    assert_eq!(right.json["role"], "manager");
}

#[tokio::test]
async fn a_sign_up_link_works_once_with_the_chosen_password_only() {
    let app = spawn_app().await;
    let email = "ada@acme.example";
    assert_eq!(sign_up(&app, "Acme", email, PASSWORD).await.0, 202);
    assert_eq!(login(&app, email, PASSWORD).await, 401, "unconfirmed: no sign-in");
    let token = token_in(&app.mail_to(email, "/verify-email?token=", None).await).unwrap();
    let mut ada = app.anonymous();
    let forged = ada
        .post(
            "/api/auth/verify-email",
            &json!({"token": format!("{token}x"), "password": PASSWORD}),
        )
        .await;
    assert_eq!(forged.error_fields(), ["token"]);
    let confirmed = ada
        .post("/api/auth/verify-email", &json!({"token": token, "password": PASSWORD}))
        .await;
    assert_eq!(confirmed.status, 201, "{}", confirmed.body);
    let again = app
        .anonymous()
        .post("/api/auth/verify-email", &json!({"token": token, "password": PASSWORD}))
        .await;
    assert_eq!(again.status, 404, "single use");
    assert_eq!(login(&app, email, PASSWORD).await, 200);
}

#[tokio::test]
async fn a_person_whose_only_organization_is_deleted_is_erased_and_can_sign_up_afresh() {
    let app = spawn_app().await;
    let mut old = app.register("Gone Inc").await;
    let deleted = old
        .send(
            reqwest::Method::DELETE,
            &format!("/api/organizations/{}", old.tenant_id),
            Some(&json!({"confirm": "Gone Inc"})),
            &[],
        )
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE id = $1")
        .bind(old.user_id)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(left, 0, "no identity is left that nothing can reach");
    assert_eq!(sign_up(&app, "Fresh Start", &old.email, VICTIM_PASSWORD).await.0, 202);
    let token = token_in(&app.mail_to(&old.email, "/verify-email?token=", None).await).unwrap();
    let confirmed = app
        .anonymous()
        .post(
            "/api/auth/verify-email",
            &json!({"token": token, "password": VICTIM_PASSWORD}),
        )
        .await;
    assert_eq!(confirmed.status, 201, "{}", confirmed.body);
    assert_eq!(login(&app, &old.email, PASSWORD).await, 401, "the old password is gone");
    assert_eq!(login(&app, &old.email, VICTIM_PASSWORD).await, 200);
}

#[tokio::test]
async fn an_identity_that_belongs_nowhere_is_claimed_by_whoever_proves_the_address() {
    let app = spawn_app().await;
    // An identity with no membership (left by code before organization
    // deletion erased such identities), arranged as the owner.
    let orphan = uuid::Uuid::now_v7();
    sqlx::query("INSERT INTO users (id, email, name, password_hash) VALUES ($1, 'orphan@old.example', 'Old', 'x')")
        .bind(orphan)
        .execute(&app.owner)
        .await
        .unwrap();
    // It had two-step sign-in (a confirmed seed and a recovery code).
    sqlx::query("INSERT INTO user_totp (user_id, secret, confirmed_at) VALUES ($1, '{}', now())")
        .bind(orphan)
        .execute(&app.owner)
        .await
        .unwrap();
    sqlx::query("INSERT INTO user_recovery_codes (user_id, code_hash) VALUES ($1, '\\x00')")
        .bind(orphan)
        .execute(&app.owner)
        .await
        .unwrap();
    assert_eq!(
        sign_up(&app, "Fresh Start", "orphan@old.example", VICTIM_PASSWORD)
            .await
            .0,
        202
    );
    let token = token_in(&app.mail_to("orphan@old.example", "/verify-email?token=", None).await).unwrap();
    let confirmed = app
        .anonymous()
        .post(
            "/api/auth/verify-email",
            &json!({"token": token, "password": VICTIM_PASSWORD}),
        )
        .await;
    assert_eq!(confirmed.status, 201, "{}", confirmed.body);
    assert_eq!(
        confirmed.json["user"]["id"],
        orphan.to_string(),
        "the same identity, claimed"
    );
    // The old factor went with the old password: it guarded nothing (no
    // membership), and the new owner sets up their own.
    let factors: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM user_totp WHERE user_id = $1) + \
                (SELECT count(*) FROM user_recovery_codes WHERE user_id = $1)",
    )
    .bind(orphan)
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(factors, 0);
    assert_eq!(login(&app, "orphan@old.example", VICTIM_PASSWORD).await, 200);
}
