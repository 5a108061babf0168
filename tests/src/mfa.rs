//! Two-step sign-in from the test's side: codes computed from the
//! `otpauth://` URI the server hands out by `totp-rs`, as an authenticator
//! app would (not by the server's own helper).

use crate::{PASSWORD, TestApp, User};
use serde_json::json;
use totp_rs::Totp;

/// The code the authenticator shows `offset_steps` 30-second steps from now.
pub fn code(uri: &str, offset_steps: i64) -> String {
    let totp = Totp::from_url(uri).expect("an otpauth URI the app can read");
    let now = chrono::Utc::now().timestamp() + offset_steps * 30;
    totp.generate(u64::try_from(now).unwrap()).to_string()
}

/// Sets up an authenticator for `user`; returns its URI and recovery codes.
pub async fn enroll(user: &mut User) -> (String, Vec<String>) {
    let started = user.post("/api/auth/mfa/totp", &json!({})).await;
    assert_eq!(started.status, 200, "{}", started.body);
    let uri = started.json["otpauth_uri"].as_str().unwrap().to_owned();
    let confirmed = user
        .post("/api/auth/mfa/totp/confirm", &json!({"code": code(&uri, 0)}))
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let codes = confirmed.json["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (uri, codes)
}

/// Fills `user_totp`, `user_recovery_codes` and `mfa_challenges` for
/// `user` (whose session stays as it was).
pub async fn fill_mfa_tables(app: &TestApp, user: &mut User) {
    enroll(user).await;
    let answer = app
        .anonymous()
        .post(
            "/api/auth/login",
            &json!({"email": user.email, "password": PASSWORD, "organization_id": user.tenant_id}),
        )
        .await;
    assert_eq!(answer.json["mfa_required"], true, "{}", answer.body);
}
