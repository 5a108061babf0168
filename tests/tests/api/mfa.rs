//! TOTP two-step sign-in (issue 11, ADR 0027): enrollment with a QR code
//! and a first code, recovery codes, sign-in in two steps with a
//! short-lived challenge cookie, replayed codes refused, a challenge's
//! attempts bounded, turning it off, and an organization rule that sends
//! members without a second factor to enrollment. Codes are computed from
//! the `otpauth://` URI by `totp-rs`, as an authenticator app would.

use clearview_tests::mfa::{code, enroll};
use clearview_tests::{PASSWORD, TestApp, User, spawn_app};
use serde_json::{Value, json};

/// Signs out and signs in with the password: the answer to it.
async fn sign_in_again(app: &TestApp, user: &mut User) -> Value {
    assert_eq!(user.post("/api/auth/logout", &json!({})).await.status, 204);
    user.cookies.clear();
    let mut fresh = app.anonymous();
    let answer = fresh
        .post("/api/auth/login", &json!({"email": user.email, "password": PASSWORD}))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    user.cookies = fresh.cookies;
    answer.json
}

#[tokio::test]
async fn enrolling_then_signing_in_takes_a_code_and_a_code_counts_once() {
    let app = spawn_app().await;
    let mut admin = app.register("Two Step Ltd").await;
    let status = admin.get("/api/auth/mfa").await;
    assert_eq!((status.status, &status.json["enabled"]), (200, &json!(false)));

    let started = admin.post("/api/auth/mfa/totp", &json!({})).await;
    assert_eq!(started.status, 200, "{}", started.body);
    let uri = started.json["otpauth_uri"].as_str().unwrap().to_owned();
    let secret = started.json["secret"].as_str().unwrap().to_owned();
    assert!(
        uri.starts_with("otpauth://totp/Clearview:") && uri.contains(&secret),
        "{uri}"
    );
    assert!(started.json["qr_svg"].as_str().unwrap().contains("<svg"));
    let stored: Value = sqlx::query_scalar("SELECT secret FROM user_totp WHERE user_id = $1")
        .bind(admin.user_id)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert!(
        stored.get("sealed").is_some() && !stored.to_string().contains(&secret),
        "sealed at rest"
    );

    let wrong = admin
        .post("/api/auth/mfa/totp/confirm", &json!({"code": "000000x"}))
        .await;
    assert_eq!((wrong.status, wrong.error_fields()), (422, vec!["code".to_owned()]));
    let first_code = code(&uri, 0);
    let confirmed = admin
        .post("/api/auth/mfa/totp/confirm", &json!({"code": first_code}))
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(confirmed.json["recovery_codes"].as_array().unwrap().len(), 10);
    let status = admin.get("/api/auth/mfa").await;
    assert_eq!(
        (&status.json["enabled"], &status.json["recovery_codes_left"]),
        (&json!(true), &json!(10))
    );
    let again = admin.post("/api/auth/mfa/totp", &json!({})).await;
    assert_eq!(again.status, 409, "a second authenticator needs the first turned off");

    // The password alone opens no session: a challenge cookie, scoped to
    // the second step, and nothing else.
    assert_eq!(admin.post("/api/auth/logout", &json!({})).await.status, 204);
    let mut signing_in = app.anonymous();
    let answer = signing_in
        .post("/api/auth/login", &json!({"email": admin.email, "password": PASSWORD}))
        .await;
    assert_eq!((answer.status, &answer.json), (200, &json!({"mfa_required": true})));
    let challenge = answer.set_cookie("cv_mfa").expect("a challenge cookie");
    assert!(
        challenge.contains("HttpOnly") && challenge.contains("Path=/api/auth/mfa"),
        "{challenge}"
    );
    assert!(answer.set_cookie("cv_access").is_none() && answer.set_cookie("cv_refresh").is_none());
    assert_eq!(signing_in.get("/api/auth/me").await.status, 401);

    let replayed = signing_in
        .post("/api/auth/mfa/verify", &json!({"code": first_code}))
        .await;
    assert_eq!(
        (replayed.status, replayed.error_fields()),
        (422, vec!["code".to_owned()])
    );
    let kept = signing_in.cookies.clone();
    let verified = signing_in
        .post("/api/auth/mfa/verify", &json!({"code": code(&uri, 1)}))
        .await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert_eq!(verified.json["user"]["id"], admin.user_id.to_string());
    assert!(
        !signing_in.cookies.contains_key("cv_mfa"),
        "the challenge cookie is cleared"
    );
    assert_eq!(signing_in.get("/api/contacts").await.status, 200);

    // The same challenge cannot open a second session.
    let mut replay = app.anonymous();
    replay.cookies = kept;
    let second = replay
        .post("/api/auth/mfa/verify", &json!({"code": code(&uri, 1)}))
        .await;
    assert_eq!(second.status, 401, "{}", second.body);

    let audit = signing_in.get("/api/audit-log?action=auth.mfa_enabled").await;
    assert_eq!(audit.json["data"].as_array().map(Vec::len), Some(1), "{}", audit.body);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_turning_it_off_needs_the_password() {
    let app = spawn_app().await;
    let mut admin = app.register("Recovery Co").await;
    let (uri, codes) = enroll(&mut admin).await;

    assert_eq!(sign_in_again(&app, &mut admin).await["mfa_required"], true);
    let typed = codes[0].to_uppercase().replace('-', " ");
    let verified = admin
        .post("/api/auth/mfa/verify", &json!({"recovery_code": typed}))
        .await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert_eq!(admin.get("/api/auth/mfa").await.json["recovery_codes_left"], 9);

    assert_eq!(sign_in_again(&app, &mut admin).await["mfa_required"], true);
    let reused = admin
        .post("/api/auth/mfa/verify", &json!({"recovery_code": codes[0]}))
        .await;
    assert_eq!(
        (reused.status, reused.error_fields()),
        (422, vec!["recovery_code".to_owned()])
    );
    let both = admin
        .post(
            "/api/auth/mfa/verify",
            &json!({"code": "123456", "recovery_code": codes[1]}),
        )
        .await;
    assert_eq!(both.status, 422, "one answer at a time");
    assert_eq!(
        admin
            .post("/api/auth/mfa/verify", &json!({"code": code(&uri, 1)}))
            .await
            .status,
        200
    );

    let wrong_password = admin
        .post(
            "/api/auth/mfa/totp/disable",
            &json!({"password": "not the password", "recovery_code": codes[2]}),
        )
        .await;
    assert_eq!(
        (wrong_password.status, wrong_password.error_fields()),
        (401, vec!["password".to_owned()])
    );
    let off = admin
        .post(
            "/api/auth/mfa/totp/disable",
            &json!({"password": PASSWORD, "recovery_code": codes[2]}),
        )
        .await;
    assert_eq!(off.status, 204, "{}", off.body);
    let answer = sign_in_again(&app, &mut admin).await;
    assert!(answer["user"]["id"].is_string(), "a session at once: {answer}");
    let left: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM user_totp WHERE user_id = $1) + \
                (SELECT count(*) FROM user_recovery_codes WHERE user_id = $1)",
    )
    .bind(admin.user_id)
    .fetch_one(&app.owner)
    .await
    .unwrap();
    assert_eq!(left, 0, "the seed and the codes are gone");
}

#[tokio::test]
async fn a_challenge_takes_five_answers_and_then_the_password_is_needed_again() {
    let app = spawn_app().await;
    let mut admin = app.register("Guess Proof").await;
    let (uri, _) = enroll(&mut admin).await;
    sign_in_again(&app, &mut admin).await;
    for _ in 0..5 {
        let wrong = admin.post("/api/auth/mfa/verify", &json!({"code": "000000"})).await;
        assert_eq!(wrong.status, 422, "{}", wrong.body);
    }
    let late = admin
        .post("/api/auth/mfa/verify", &json!({"code": code(&uri, 1)}))
        .await;
    assert_eq!(late.status, 401, "the challenge is spent: {}", late.body);
    assert_eq!(sign_in_again(&app, &mut admin).await["mfa_required"], true);
    let right = admin
        .post("/api/auth/mfa/verify", &json!({"code": code(&uri, 1)}))
        .await;
    assert_eq!(right.status, 200, "a new challenge: {}", right.body);
    let failed = admin.get("/api/audit-log?action=auth.mfa_failed").await;
    assert_eq!(failed.json["data"].as_array().map(Vec::len), Some(5), "{}", failed.body);
    assert_eq!(failed.json["data"][0]["details"]["second_factor"], "code");
}

#[tokio::test]
async fn a_challenge_of_one_organization_is_nothing_in_another() {
    let app = spawn_app().await;
    let mut admin = app.register("Home Org").await;
    let other = app.register("Other Org").await;
    let (uri, _) = enroll(&mut admin).await;
    sign_in_again(&app, &mut admin).await;
    let challenge = admin.cookies["cv_mfa"].clone();
    let (_, random) = challenge.split_once('.').unwrap();
    let moved = format!("{}.{random}", other.tenant_id.simple());
    admin.cookies.insert("cv_mfa".into(), moved);
    let refused = admin
        .post("/api/auth/mfa/verify", &json!({"code": code(&uri, 1)}))
        .await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    admin.cookies.insert("cv_mfa".into(), challenge);
    let verified = admin
        .post("/api/auth/mfa/verify", &json!({"code": code(&uri, 1)}))
        .await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert_eq!(verified.json["organization"]["id"], admin.tenant_id.to_string());
}

#[tokio::test]
async fn an_organization_requiring_a_second_factor_sends_members_without_one_to_enroll() {
    let app = spawn_app().await;
    let mut admin = app.register("Strict Corp").await;
    let mut rep = app.member(&admin, "rep").await;
    let org = format!("/api/organizations/{}", admin.tenant_id);

    let by_rep = rep.patch(&org, &json!({"mfa_required": "everyone"})).await;
    assert_eq!(by_rep.status, 403);
    let bad = admin.patch(&org, &json!({"mfa_required": "sometimes"})).await;
    assert_eq!(bad.error_fields(), vec!["mfa_required".to_owned()]);
    let set = admin.patch(&org, &json!({"mfa_required": "everyone"})).await;
    assert_eq!((set.status, &set.json["mfa_required"]), (200, &json!("everyone")));

    // The rule counts from the member's next refresh (or sign-in).
    let refreshed = rep.post("/api/auth/refresh", &json!({})).await;
    assert_eq!(refreshed.json["mfa_enrollment_required"], true, "{}", refreshed.body);
    let blocked = rep.get("/api/contacts").await;
    assert_eq!(
        (blocked.status, &blocked.json["mfa_enrollment_required"]),
        (403, &json!(true))
    );
    let me = rep.get("/api/auth/me").await;
    assert_eq!((me.status, &me.json["mfa_enrollment_required"]), (200, &json!(true)));
    assert_eq!(rep.get("/api/auth/mfa").await.json["required"], true);

    let (uri, codes) = enroll(&mut rep).await;
    assert_eq!(rep.get("/api/contacts").await.status, 200, "enrolled: a full session");
    assert_eq!(rep.get("/api/auth/me").await.json["mfa_enrollment_required"], false);
    let off = rep
        .post(
            "/api/auth/mfa/totp/disable",
            &json!({"password": PASSWORD, "recovery_code": codes[0]}),
        )
        .await;
    assert_eq!(off.status, 409, "required by the organization: {}", off.body);

    // A fresh sign-in of a member without a factor is sent to enroll too.
    let mut viewer = app.member(&admin, "viewer").await;
    assert_eq!(viewer.get("/api/auth/me").await.json["mfa_enrollment_required"], true);
    assert_eq!(viewer.get("/api/deals").await.status, 403);
    assert_eq!(sign_in_again(&app, &mut rep).await["mfa_required"], true);
    let verified = rep.post("/api/auth/mfa/verify", &json!({"code": code(&uri, 1)})).await;
    assert_eq!(verified.status, 200);
    assert_eq!(verified.json["mfa_enrollment_required"], false);
}
