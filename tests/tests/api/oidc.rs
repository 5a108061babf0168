//! Single sign-on with OpenID Connect (issue 11, ADR 0037) against a real,
//! certified provider (`oidc-provider`, tests/oidc): admins set it up (the
//! client secret sealed, never read back); a sign-in goes app → provider →
//! app with PKCE, a one-time `state` bound to the browser by `cv_sso`, and a
//! validated ID token; members sign in with their role, newcomers join only
//! as the organization allows, and every refusal lands on the sign-in page
//! with a reason and no session.

use clearview_tests::oidc::{self, CALLBACK, CLIENT_ID, CLIENT_SECRET, PUBLIC_BASE_URL, Provider};
use clearview_tests::{AppOptions, PASSWORD, Response, TestApp, User, mfa, spawn_app_with};
use reqwest::Url;
use serde_json::{Value, json};
use uuid::Uuid;

/// A second client at the same provider, for a second organization.
const CLIENT_B: &str = "clearview-b";
const SECRET_B: &str = "client-secret-for-clearview-b-P3x8";

/// A server that may reach this provider (loopback is refused otherwise).
async fn app_for(provider: &Provider) -> TestApp {
    spawn_app_with(AppOptions {
        oidc_allow_hosts: vec![provider.host()],
        ..AppOptions::default()
    })
    .await
    .expect("the server starts")
}

fn sso_path(org: Uuid) -> String {
    format!("/api/organizations/{org}/sso")
}

/// A settings body for this provider; `secret` `None` leaves it out.
fn settings(provider: &Provider, client: (&str, Option<&str>), domains: &[&str], role: Option<&str>) -> Value {
    let mut body = json!({
        "issuer": provider.issuer,
        "client_id": client.0,
        "allowed_domains": domains,
        "default_role": role,
    });
    if let Some(secret) = client.1 {
        body["client_secret"] = json!(secret);
    }
    body
}

/// Sets the admin's organization up with the provider's first client.
async fn set_up(admin: &mut User, provider: &Provider, domains: &[&str], role: Option<&str>) {
    let body = settings(provider, (CLIENT_ID, Some(CLIENT_SECRET)), domains, role);
    let saved = admin.put(&sso_path(admin.tenant_id), &body).await;
    assert_eq!(saved.status, 200, "PUT sso: {}", saved.body);
}

/// The session and challenge cookies the response sets with a value.
fn session_cookies(response: &Response) -> Vec<&'static str> {
    ["__Host-cv_access", "cv_access", "cv_refresh", "cv_mfa"]
        .into_iter()
        .filter(|name| {
            response
                .set_cookie(name)
                .and_then(|set| {
                    set.split(';')
                        .next()
                        .and_then(|pair| pair.split_once('='))
                        .map(|(_, v)| v.to_owned())
                })
                .is_some_and(|value| !value.is_empty())
        })
        .collect()
}

/// 302 to the app's home with a fresh session.
#[track_caller]
fn assert_signed_in(response: &Response) {
    assert_eq!(response.status, 302, "callback: {}", response.body);
    assert_eq!(
        oidc::location(response).as_str(),
        format!("{PUBLIC_BASE_URL}/"),
        "to the app: {:?}",
        response.headers
    );
    assert_eq!(
        session_cookies(response),
        ["__Host-cv_access", "cv_refresh"],
        "{:?}",
        response.headers
    );
}

/// 302 to the sign-in page with `sso_error=<code>`, and no session.
#[track_caller]
fn assert_refused(response: &Response, code: &str) {
    assert_eq!(response.status, 302, "callback: {}", response.body);
    let to = oidc::location(response);
    let expected = Url::parse(&format!("{PUBLIC_BASE_URL}/sign-in?sso_error={code}")).unwrap();
    assert_eq!(
        (to.origin(), to.path(), oidc::param(&to, "sso_error")),
        (expected.origin(), expected.path(), Some(code.to_owned())),
        "refused with {code}: {to}"
    );
    assert!(
        session_cookies(response).is_empty(),
        "a refusal opens no session: {:?}",
        response.headers
    );
}

async fn me(browser: &mut User) -> Value {
    let me = browser.get("/api/auth/me").await;
    assert_eq!(me.status, 200, "me: {}", me.body);
    me.json
}

async fn members(admin: &mut User) -> Vec<Value> {
    let listed = admin
        .get(&format!("/api/organizations/{}/members", admin.tenant_id))
        .await;
    assert_eq!(listed.status, 200, "members: {}", listed.body);
    listed.json["data"].as_array().cloned().unwrap_or_default()
}

/// Identities with this address, in any organization.
async fn identities(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE lower(email) = lower($1)")
        .bind(email)
        .fetch_one(&app.owner)
        .await
        .unwrap()
}

/// Sessions of this user, in any state.
async fn sessions(app: &TestApp, user: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM sessions WHERE user_id = $1")
        .bind(user)
        .fetch_one(&app.owner)
        .await
        .unwrap()
}

async fn audit(admin: &mut User, action: &str) -> Vec<Value> {
    let log = admin.get(&format!("/api/audit-log?action={action}&limit=100")).await;
    assert_eq!(log.status, 200, "audit-log: {}", log.body);
    log.json["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn settings_are_validated_admin_only_isolated_and_the_secret_is_sealed_and_never_read_back() {
    let provider = Provider::start().await;
    let app = app_for(&provider).await;
    let mut admin = app.register("Acme").await;
    let org = admin.tenant_id;
    let path = sso_path(org);
    assert_eq!(admin.get(&path).await.status, 404, "nothing set up yet");

    let good = settings(
        &provider,
        (CLIENT_ID, Some(CLIENT_SECRET)),
        &["example.com"],
        Some("rep"),
    );
    let first_without_secret = settings(&provider, (CLIENT_ID, None), &["example.com"], Some("rep"));
    let refused = admin.put(&path, &first_without_secret).await;
    assert_eq!(
        (refused.status, refused.error_fields()),
        (422, vec!["client_secret".to_owned()])
    );
    // An issuer that does not answer discovery (a path the provider lacks).
    let mut no_discovery = good.clone();
    no_discovery["issuer"] = json!(format!("{}/nope", provider.issuer));
    let refused = admin.put(&path, &no_discovery).await;
    assert_eq!(
        (refused.status, refused.error_fields()),
        (422, vec!["issuer".to_owned()]),
        "{}",
        refused.body
    );
    let mut bad_domain = good.clone();
    bad_domain["allowed_domains"] = json!(["not a domain"]);
    let refused = admin.put(&path, &bad_domain).await;
    assert_eq!(
        (refused.status, refused.error_fields()),
        (422, vec!["allowed_domains".to_owned()])
    );
    let mut bad_role = good.clone();
    bad_role["default_role"] = json!("owner");
    let refused = admin.put(&path, &bad_role).await;
    assert_eq!(
        (refused.status, refused.error_fields()),
        (422, vec!["default_role".to_owned()])
    );
    assert_eq!(admin.get(&path).await.status, 404, "nothing refused was stored");

    let saved = admin.put(&path, &good).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let expected_start = format!("{PUBLIC_BASE_URL}/api/auth/oidc/{org}/start");
    for view in [&saved, &admin.get(&path).await] {
        assert_eq!(view.status, 200, "{}", view.body);
        assert_eq!(view.json["issuer"], provider.issuer.as_str());
        assert_eq!(view.json["client_id"], CLIENT_ID);
        assert_eq!(view.json["allowed_domains"], json!(["example.com"]));
        assert_eq!(view.json["default_role"], "rep");
        assert!(view.json["updated_at"].is_string(), "{}", view.body);
        assert_eq!(view.json["redirect_uri"], CALLBACK);
        assert_eq!(view.json["start_url"], expected_start.as_str());
        assert!(view.json.get("client_secret").is_none(), "{}", view.body);
        assert!(!view.body.contains(CLIENT_SECRET), "the secret is never read back");
    }

    // Later changes may leave the secret out: the stored one is kept.
    let kept = admin
        .put(&path, &settings(&provider, (CLIENT_ID, None), &["example.com"], None))
        .await;
    assert_eq!(kept.status, 200, "{}", kept.body);
    assert_eq!(kept.json["default_role"], Value::Null, "invitation only");
    let sealed: String = sqlx::query_scalar("SELECT client_secret::text FROM sso_settings WHERE tenant_id = $1")
        .bind(org)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert!(
        !sealed.is_empty() && !sealed.contains(CLIENT_SECRET),
        "stored sealed: {sealed}"
    );

    // Members who are not admins, and strangers.
    let mut manager = app.member(&admin, "manager").await;
    assert_eq!(manager.get(&path).await.status, 403);
    assert_eq!(manager.put(&path, &good).await.status, 403);
    assert_eq!(manager.delete(&path).await.status, 403);
    assert_eq!(app.anonymous().get(&path).await.status, 401);

    // Another organization's admin: 404 on every verb, and nothing changes.
    let mut other = app.register("Other").await;
    let hijack = settings(
        &provider,
        ("attacker-client", Some("attacker-secret")),
        &["evil.test"],
        Some("admin"),
    );
    assert_eq!(other.get(&path).await.status, 404);
    assert_eq!(other.put(&path, &hijack).await.status, 404);
    assert_eq!(other.delete(&path).await.status, 404);
    assert_eq!(
        other.get(&sso_path(other.tenant_id)).await.status,
        404,
        "nor was it set up for them"
    );
    let unchanged = admin.get(&path).await;
    assert_eq!(
        (
            &unchanged.json["client_id"],
            &unchanged.json["allowed_domains"],
            &unchanged.json["default_role"]
        ),
        (&json!(CLIENT_ID), &json!(["example.com"]), &Value::Null),
        "{}",
        unchanged.body
    );

    let updates = audit(&mut admin, "sso.updated").await;
    assert_eq!(updates.len(), 2, "one entry per change: {updates:?}");
    let whole_log = admin.get("/api/audit-log?limit=100").await;
    assert!(
        !whole_log.body.contains(CLIENT_SECRET),
        "the secret is not in the audit log"
    );

    assert_eq!(admin.delete(&path).await.status, 204);
    assert_eq!(admin.get(&path).await.status, 404);
    assert_eq!(admin.delete(&path).await.status, 404);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM sso_settings")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn start_sends_the_browser_to_the_provider_with_pkce_a_fresh_state_and_nonce_and_a_bound_cookie() {
    let provider = Provider::start().await;
    let app = app_for(&provider).await;
    let mut admin = app.register("Acme").await;
    let org = admin.tenant_id;
    let mut browser = oidc::browser(&app);
    assert_eq!(
        oidc::start(&mut browser, org).await.status,
        404,
        "no single sign-on yet"
    );
    assert_eq!(
        oidc::start(&mut browser, Uuid::new_v4()).await.status,
        404,
        "no such organization"
    );
    set_up(&mut admin, &provider, &["example.com"], None).await;

    let started = oidc::start(&mut browser, org).await;
    assert_eq!(started.status, 302, "{}", started.body);
    let to = oidc::location(&started);
    assert!(
        to.as_str().starts_with(&format!("{}/auth?", provider.issuer)),
        "to the provider's authorization endpoint: {to}"
    );
    let get = |name: &str| oidc::param(&to, name).unwrap_or_else(|| panic!("{name} in {to}"));
    assert_eq!(get("response_type"), "code");
    assert_eq!(get("client_id"), CLIENT_ID);
    assert_eq!(get("redirect_uri"), CALLBACK);
    assert_eq!(get("code_challenge_method"), "S256");
    let challenge = get("code_challenge");
    assert!(
        challenge.len() == 43
            && challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "BASE64URL(SHA-256(verifier)): {challenge}"
    );
    let scope = get("scope");
    for wanted in ["openid", "email", "profile"] {
        assert!(
            scope.split_whitespace().any(|s| s == wanted),
            "{wanted} in scope {scope:?}"
        );
    }
    let (state, nonce) = (get("state"), get("nonce"));
    assert!(state.len() >= 16 && nonce.len() >= 16, "unguessable: {state} {nonce}");

    let cookie = started.set_cookie("cv_sso").expect("a cv_sso cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let secret = browser.cookies.get("cv_sso").cloned().expect("kept by the browser");
    assert!(
        !to.as_str().contains(&secret) && secret != state,
        "the browser's secret never goes to the provider"
    );

    // Each sign-in has its own state, nonce and PKCE pair.
    let mut second = oidc::browser(&app);
    let again = oidc::begin(&mut second, org).await;
    for name in ["state", "nonce", "code_challenge"] {
        assert_ne!(
            oidc::param(&again, name),
            oidc::param(&to, name),
            "{name} is per sign-in"
        );
    }
    assert_ne!(
        second.cookies.get("cv_sso"),
        Some(&secret),
        "so is the browser's secret"
    );

    // The provider takes the request as it is (client, redirect URI, PKCE)
    // and sends the state back with a code.
    let back = provider.log_in(&to, &admin.email).await;
    assert_eq!(oidc::param(&back, "state"), Some(state));
    assert!(oidc::param(&back, "code").is_some_and(|c| !c.is_empty()), "{back}");
    assert_eq!(oidc::param(&back, "iss").as_deref(), Some(provider.issuer.as_str()));

    // Single sign-on removed meanwhile: the started sign-in cannot finish,
    // and no new one starts.
    assert_eq!(admin.delete(&sso_path(org)).await.status, 204);
    assert_refused(&oidc::follow(&mut browser, &back).await, "not_configured");
    assert_eq!(oidc::start(&mut oidc::browser(&app), org).await.status, 404);
}

#[tokio::test]
async fn existing_members_sign_in_with_their_own_role_as_the_address_the_provider_verified() {
    let provider = Provider::start().await;
    let app = app_for(&provider).await;
    let mut admin = app.register("Acme").await;
    let manager = app.member(&admin, "manager").await;
    // Invitation only, and neither member's domain is listed: the list is
    // for newcomers; members sign in whatever their domain.
    set_up(&mut admin, &provider, &["example.com"], None).await;

    let (signed_in, mut browser) = oidc::sign_in(&app, &provider, admin.tenant_id, &admin.email).await;
    assert_signed_in(&signed_in);
    let access = signed_in.set_cookie("__Host-cv_access").unwrap();
    for flag in ["HttpOnly", "Secure"] {
        assert!(access.contains(flag), "{access}");
    }
    let me_admin = me(&mut browser).await;
    assert_eq!(me_admin["user"]["id"], admin.user_id.to_string());
    assert_eq!(me_admin["user"]["email"], admin.email.as_str());
    assert_eq!(me_admin["organization"]["id"], admin.tenant_id.to_string());
    assert_eq!(me_admin["role"], "admin");
    assert_eq!(browser.get("/api/contacts").await.status, 200, "a full session");

    let (signed_in, mut browser) = oidc::sign_in(&app, &provider, admin.tenant_id, &manager.email).await;
    assert_signed_in(&signed_in);
    let me_manager = me(&mut browser).await;
    assert_eq!(me_manager["user"]["id"], manager.user_id.to_string());
    assert_eq!(me_manager["user"]["email"], manager.email.as_str());
    assert_eq!(me_manager["role"], "manager", "the member's role, not a default");
    assert_eq!(
        browser
            .patch(
                &format!("/api/organizations/{}", admin.tenant_id),
                &json!({"rep_visibility": "own"})
            )
            .await
            .status,
        403,
        "and only that role's rights"
    );

    assert_eq!(members(&mut admin).await.len(), 2, "nobody joined");
    // Registering opened the admin's first session without a sign-in
    // entry; `app.member` signed the manager in once with a password.
    let sign_ins = audit(&mut admin, "auth.sign_in").await;
    let by = |user: Uuid| sign_ins.iter().filter(|e| e["actor_id"] == user.to_string()).count();
    assert_eq!((by(admin.user_id), by(manager.user_id)), (1, 2), "{sign_ins:?}");
}

#[tokio::test]
async fn a_newcomer_joins_with_the_default_role_and_an_account_made_elsewhere_joins_only_by_invitation() {
    let provider = Provider::start().await;
    let app = app_for(&provider).await;
    let mut admin = app.register("Acme").await;
    // Registered elsewhere: `admin-…@linked.test`, a Clearview identity.
    let linked = app.register("Linked").await;
    set_up(&mut admin, &provider, &["example.com", "linked.test"], Some("rep")).await;

    let newcomer = "dave.smith@example.com";
    assert_eq!(identities(&app, newcomer).await, 0);
    let (signed_in, mut browser) = oidc::sign_in(&app, &provider, admin.tenant_id, newcomer).await;
    assert_signed_in(&signed_in);
    let me_dave = me(&mut browser).await;
    assert_eq!(me_dave["user"]["email"], newcomer);
    assert_eq!(me_dave["user"]["name"], "Dave Smith", "named from the ID token");
    assert_eq!(me_dave["role"], "rep");
    assert_eq!(me_dave["organization"]["id"], admin.tenant_id.to_string());
    let dave = me_dave["user"]["id"].as_str().unwrap().to_owned();
    let listed = members(&mut admin).await;
    let row = listed
        .iter()
        .find(|m| m["email"] == newcomer)
        .unwrap_or_else(|| panic!("{newcomer} is a member: {listed:?}"));
    assert_eq!((&row["role"], &row["user_id"]), (&json!("rep"), &json!(dave)));
    assert_eq!(identities(&app, newcomer).await, 1);
    let password = app
        .anonymous()
        .post("/api/auth/login", &json!({"email": newcomer, "password": PASSWORD}))
        .await;
    assert_eq!(
        password.status, 401,
        "a joined identity has no password: {}",
        password.body
    );

    // Signing in again finds the member: no second identity or membership.
    let (again, mut browser) = oidc::sign_in(&app, &provider, admin.tenant_id, newcomer).await;
    assert_signed_in(&again);
    assert_eq!(me(&mut browser).await["user"]["id"], dave.as_str());
    assert_eq!(identities(&app, newcomer).await, 1);
    assert_eq!(members(&mut admin).await.len(), 2);

    // A verified address whose Clearview account was made elsewhere is not
    // taken over by this organization's provider: refused, nothing joined,
    // its password and its own organization untouched.
    let (refused, _) = oidc::sign_in(&app, &provider, admin.tenant_id, &linked.email).await;
    assert_refused(&refused, "invitation_only");
    assert_eq!(identities(&app, &linked.email).await, 1);
    assert_eq!(members(&mut admin).await.len(), 2, "no membership was made");
    let own = app
        .anonymous()
        .post(
            "/api/auth/login",
            &json!({"email": linked.email, "password": PASSWORD, "organization_id": linked.tenant_id}),
        )
        .await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_eq!(own.json["role"], "admin");

    // Once its person accepts an invitation (with their password), the
    // provider signs them in to this organization as that account.
    let path = format!("/api/organizations/{}/invite", admin.tenant_id);
    let invited = admin
        .post(&path, &json!({"email": linked.email, "role": "manager"}))
        .await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    let mail = app.mail_to(&linked.email, "/invitations/accept?token=", None).await;
    let token = clearview_tests::smtp::token_in(&mail).expect("an invitation token");
    let accepted = app
        .anonymous()
        .post(
            "/api/invitations/accept",
            &json!({"token": token, "password": PASSWORD}),
        )
        .await;
    assert!(accepted.status < 300, "{}: {}", accepted.status, accepted.body);
    let (signed_in, mut browser) = oidc::sign_in(&app, &provider, admin.tenant_id, &linked.email).await;
    assert_signed_in(&signed_in);
    let me_linked = me(&mut browser).await;
    assert_eq!(me_linked["user"]["id"], linked.user_id.to_string());
    assert_eq!(me_linked["role"], "manager");
    assert_eq!(me_linked["organization"]["id"], admin.tenant_id.to_string());
    assert_eq!(members(&mut admin).await.len(), 3);

    let joined = audit(&mut admin, "member.joined_by_sso").await;
    assert_eq!(joined.len(), 1, "one entry per join by sign-on: {joined:?}");
    let sign_ins = audit(&mut admin, "auth.sign_in").await;
    assert!(
        sign_ins.iter().any(|e| e["actor_id"] == dave.as_str()),
        "the newcomer's sign-in is recorded: {sign_ins:?}"
    );
}

#[tokio::test]
async fn newcomers_are_refused_when_invitation_only_or_from_a_domain_not_allowed() {
    let provider = Provider::start().await;
    let app = app_for(&provider).await;
    let mut admin = app.register("Acme").await;
    let org = admin.tenant_id;
    set_up(&mut admin, &provider, &["example.com"], None).await;

    let (refused, mut browser) = oidc::sign_in(&app, &provider, org, "nina@example.com").await;
    assert_refused(&refused, "invitation_only");
    assert_eq!(browser.get("/api/auth/me").await.status, 401);
    assert_eq!(identities(&app, "nina@example.com").await, 0, "no identity made");

    // Open to newcomers as viewers, from example.com only (the secret left
    // out: the stored one keeps redeeming codes).
    let open = settings(&provider, (CLIENT_ID, None), &["example.com"], Some("viewer"));
    assert_eq!(admin.put(&sso_path(org), &open).await.status, 200);
    let (refused, _) = oidc::sign_in(&app, &provider, org, "omar@elsewhere.test").await;
    assert_refused(&refused, "domain_not_allowed");
    assert_eq!(identities(&app, "omar@elsewhere.test").await, 0);
    // An existing identity from another domain is not linked either.
    let outsider = app.register("Outside").await;
    let (refused, _) = oidc::sign_in(&app, &provider, org, &outsider.email).await;
    assert_refused(&refused, "domain_not_allowed");
    assert_eq!(members(&mut admin).await.len(), 1);

    let (signed_in, mut browser) = oidc::sign_in(&app, &provider, org, "nina@example.com").await;
    assert_signed_in(&signed_in);
    assert_eq!(me(&mut browser).await["role"], "viewer");
    assert_eq!(members(&mut admin).await.len(), 2);
}

#[tokio::test]
async fn an_unverified_address_a_cancelled_login_and_a_made_up_code_are_refused() {
    let provider = Provider::start().await;
    let app = app_for(&provider).await;
    let mut admin = app.register("Acme").await;
    let org = admin.tenant_id;
    set_up(&mut admin, &provider, &["example.com"], Some("rep")).await;

    // The provider vouches for the person but not for the address.
    let (refused, _) = oidc::sign_in(&app, &provider, org, "unverified.uma@example.com").await;
    assert_refused(&refused, "unverified_email");
    assert_eq!(identities(&app, "unverified.uma@example.com").await, 0);

    // The person cancels at the provider: it sends `error=access_denied`.
    let mut browser = oidc::browser(&app);
    let authorization = oidc::begin(&mut browser, org).await;
    let back = provider.cancel(&authorization).await;
    assert_eq!(oidc::param(&back, "error").as_deref(), Some("access_denied"), "{back}");
    assert_refused(&oidc::follow(&mut browser, &back).await, "provider_refused");

    // A code the provider never issued, with a live state and its browser.
    let mut browser = oidc::browser(&app);
    let authorization = oidc::begin(&mut browser, org).await;
    let state = oidc::param(&authorization, "state").unwrap();
    let made_up = oidc::query(&[("code", "not-a-code-the-provider-issued"), ("state", state.as_str())]);
    assert_refused(&oidc::callback(&mut browser, &made_up).await, "provider_error");

    assert_eq!(members(&mut admin).await.len(), 1, "nobody joined");
}

#[tokio::test]
async fn a_used_state_another_browsers_sign_in_and_unknown_states_are_refused() {
    let provider = Provider::start().await;
    let app = app_for(&provider).await;
    let mut admin = app.register("Acme").await;
    let org = admin.tenant_id;
    set_up(&mut admin, &provider, &["example.com"], None).await;

    // A state answers once. Replayed with a fresh code for the same request
    // (the provider issues another) and the same browser's cookie: refused.
    let mut browser = oidc::browser(&app);
    let authorization = oidc::begin(&mut browser, org).await;
    let cookie = browser.cookies.get("cv_sso").cloned().expect("cv_sso");
    let back = provider.log_in(&authorization, &admin.email).await;
    assert_signed_in(&oidc::follow(&mut browser, &back).await);
    let again = provider.log_in(&authorization, &admin.email).await;
    assert_eq!(oidc::param(&again, "state"), oidc::param(&back, "state"));
    assert_ne!(oidc::param(&again, "code"), oidc::param(&back, "code"), "a fresh code");
    let before = sessions(&app, admin.user_id).await;
    let mut replay = oidc::browser(&app);
    replay.cookies.insert("cv_sso".into(), cookie);
    assert_refused(&oidc::follow(&mut replay, &again).await, "invalid_state");
    assert_eq!(sessions(&app, admin.user_id).await, before, "no session made");

    // The provider's answer to one browser's sign-in, delivered to another
    // browser (login CSRF / a stolen redirect): that one has a cookie of
    // its own sign-in, or none.
    let mut victim = oidc::browser(&app);
    let victims = oidc::begin(&mut victim, org).await;
    let mut other = oidc::browser(&app);
    oidc::begin(&mut other, org).await;
    let back = provider.log_in(&victims, &admin.email).await;
    assert_refused(&oidc::follow(&mut other, &back).await, "invalid_state");
    assert_eq!(other.get("/api/auth/me").await.status, 401);

    let mut starter = oidc::browser(&app);
    let started = oidc::begin(&mut starter, org).await;
    let back = provider.log_in(&started, &admin.email).await;
    let mut stranger = oidc::browser(&app);
    assert_refused(&oidc::follow(&mut stranger, &back).await, "invalid_state");

    let mut anyone = oidc::browser(&app);
    let unknown = oidc::query(&[("code", "x"), ("state", "not-a-state-this-server-made")]);
    assert_refused(&oidc::callback(&mut anyone, &unknown).await, "invalid_state");
    let no_state = oidc::query(&[("code", "x")]);
    assert_refused(&oidc::callback(&mut anyone, &no_state).await, "invalid_state");
    assert_eq!(sessions(&app, admin.user_id).await, before, "no session made");
}

#[tokio::test]
async fn a_code_issued_to_another_client_or_for_another_sign_in_is_refused() {
    let provider = Provider::start_with(&[(CLIENT_ID, CLIENT_SECRET), (CLIENT_B, SECRET_B)]).await;
    let app = app_for(&provider).await;
    let mut alpha = app.register("Alpha").await;
    let mut beta = app.register("Beta").await;
    set_up(&mut alpha, &provider, &["example.com"], None).await;
    let beta_settings = settings(&provider, (CLIENT_B, Some(SECRET_B)), &["example.com"], None);
    assert_eq!(beta.put(&sso_path(beta.tenant_id), &beta_settings).await.status, 200);
    // Both clients work for their own organization.
    let (ok, _) = oidc::sign_in(&app, &provider, alpha.tenant_id, &alpha.email).await;
    assert_signed_in(&ok);
    let (ok, _) = oidc::sign_in(&app, &provider, beta.tenant_id, &beta.email).await;
    assert_signed_in(&ok);

    // A code issued to Beta's client (its ID token's audience is Beta's),
    // for Alpha's own admin, presented to Alpha's sign-in.
    let mut browser = oidc::browser(&app);
    let alphas = oidc::begin(&mut browser, alpha.tenant_id).await;
    let mut elsewhere = oidc::browser(&app);
    let betas = oidc::begin(&mut elsewhere, beta.tenant_id).await;
    assert_eq!(oidc::param(&betas, "client_id").as_deref(), Some(CLIENT_B));
    let beta_code = oidc::param(&provider.log_in(&betas, &alpha.email).await, "code").unwrap();
    let state = oidc::param(&alphas, "state").unwrap();
    let mixed = oidc::query(&[("code", beta_code.as_str()), ("state", state.as_str())]);
    assert_refused(&oidc::callback(&mut browser, &mixed).await, "provider_error");

    // A code of Alpha's client from another sign-in (an attacker's, say,
    // injected into this browser's): its PKCE challenge and nonce are not
    // this sign-in's.
    let mut browser = oidc::browser(&app);
    let mine = oidc::begin(&mut browser, alpha.tenant_id).await;
    let mut attacker = oidc::browser(&app);
    let theirs = oidc::begin(&mut attacker, alpha.tenant_id).await;
    let their_code = oidc::param(&provider.log_in(&theirs, &alpha.email).await, "code").unwrap();
    let state = oidc::param(&mine, "state").unwrap();
    let injected = oidc::query(&[("code", their_code.as_str()), ("state", state.as_str())]);
    assert_refused(&oidc::callback(&mut browser, &injected).await, "provider_error");
}

#[tokio::test]
async fn a_rotated_signing_key_is_fetched_and_trusted() {
    let provider = Provider::start().await;
    let app = app_for(&provider).await;
    let mut admin = app.register("Acme").await;
    set_up(&mut admin, &provider, &["example.com"], None).await;
    // The first sign-in has the app read (and keep) the provider's keys.
    let (before, _) = oidc::sign_in(&app, &provider, admin.tenant_id, &admin.email).await;
    assert_signed_in(&before);

    let old = provider.kids().await;
    let new = provider.rotate_keys().await;
    assert!(!old.contains(&new), "{new} is a new key");
    assert_eq!(provider.kids().await, [new], "only the new key is published");

    let (after, mut browser) = oidc::sign_in(&app, &provider, admin.tenant_id, &admin.email).await;
    assert_signed_in(&after);
    assert_eq!(me(&mut browser).await["user"]["id"], admin.user_id.to_string());
}

#[tokio::test]
async fn a_member_with_an_authenticator_still_gives_the_second_factor() {
    let provider = Provider::start().await;
    let app = app_for(&provider).await;
    let mut admin = app.register("Acme").await;
    set_up(&mut admin, &provider, &["example.com"], None).await;
    let (uri, _) = mfa::enroll(&mut admin).await;

    let (answer, mut browser) = oidc::sign_in(&app, &provider, admin.tenant_id, &admin.email).await;
    assert_eq!(answer.status, 302, "{}", answer.body);
    let to = oidc::location(&answer);
    assert_eq!(
        (to.path(), oidc::param(&to, "second_factor").as_deref()),
        ("/sign-in", Some("1")),
        "{to}"
    );
    assert_eq!(session_cookies(&answer), ["cv_mfa"], "a challenge, no session yet");
    assert_eq!(browser.get("/api/auth/me").await.status, 401);

    let verified = browser
        .post("/api/auth/mfa/verify", &json!({"code": mfa::code(&uri, 1)}))
        .await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert_eq!(verified.json["user"]["id"], admin.user_id.to_string());
    assert_eq!(me(&mut browser).await["role"], "admin");
}

#[tokio::test]
async fn the_stored_secret_goes_only_to_the_provider_it_was_given_for() {
    // Otherwise an admin (or a stolen admin session) could point the
    // settings at a server of theirs and receive the secret at sign-in.
    let provider = Provider::start().await;
    let app = app_for(&provider).await;
    let mut admin = app.register("Acme").await;
    set_up(&mut admin, &provider, &[], None).await;
    let path = sso_path(admin.tenant_id);
    for body in [
        json!({"issuer": provider.issuer, "client_id": "another-client"}),
        json!({"issuer": format!("{}/", provider.issuer.trim_end_matches('/')) + "other", "client_id": CLIENT_ID}),
    ] {
        let moved = admin.put(&path, &body).await;
        assert_eq!(moved.status, 422, "{}", moved.body);
        assert!(
            moved.error_fields().contains(&"client_secret".to_owned()),
            "{}",
            moved.body
        );
    }
    let kept = admin.get(&path).await;
    assert_eq!(kept.json["client_id"], CLIENT_ID, "nothing changed");
    // The same provider and client keep the stored secret.
    let same = admin
        .put(&path, &json!({"issuer": provider.issuer, "client_id": CLIENT_ID}))
        .await;
    assert_eq!(same.status, 200, "{}", same.body);
}
