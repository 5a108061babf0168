//! Logs never contain personal data (invariant 9, issue 10 §3): the main
//! flows run against the real binary at its production log level, and its
//! captured output is searched for every address, name, password and token
//! the test used.

use clearview_tests::PASSWORD;
use clearview_tests::process::{ServerProcess, database_for_processes};
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn the_main_flows_log_no_address_name_password_or_token() {
    let app = database_for_processes(None).await;
    let mut config = app.config.clone();
    config.embedded_worker = true;
    let server = ServerProcess::serve(&config).await;
    let tag = Uuid::new_v4().simple().to_string()[..8].to_owned();
    let mut secrets: Vec<String> = vec![PASSWORD.to_owned()];

    // Sign-up and confirmation (the token comes from the e-mail).
    let organization = format!("Quillfeather {tag}");
    let mut admin = app.register_at(&server.address, &organization).await;
    secrets.extend([organization, admin.email.clone()]);
    secrets.extend(admin.cookies.values().cloned());

    // Sign-in, a wrong password, the records of a working day.
    let mut anonymous = app.anonymous().at(&server.address);
    let wrong = format!("not-the-password-{tag}");
    let response = anonymous
        .post("/api/auth/login", &json!({"email": admin.email, "password": wrong}))
        .await;
    assert_eq!(response.status, 401);
    secrets.push(wrong);
    let response = anonymous
        .post("/api/auth/login", &json!({"email": admin.email, "password": PASSWORD}))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let (first, last, email) = (
        format!("Ottoline{tag}"),
        format!("Brackenridge{tag}"),
        format!("ottoline.{tag}@example.test"),
    );
    let contact = admin.contact(&first, &last, Some(&email)).await;
    let company_name = format!("Marchbanks Ltd {tag}");
    let domain = format!("marchbanks-{tag}.test");
    admin.company(&company_name, Some(&domain)).await;
    let subject = format!("Lunch with Ottoline about the {tag} renewal");
    let response = admin
        .post(
            "/api/activities",
            &json!({"kind": "note", "subject": subject, "contact_id": contact}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
    let search = admin.get(&format!("/api/contacts?q={}", first)).await;
    assert_eq!(search.status, 200);
    let invalid = admin
        .post(
            "/api/contacts",
            &json!({"first_name": first, "email": "not an address"}),
        )
        .await;
    assert_eq!(invalid.status, 422);
    secrets.extend([first, last, email, company_name, domain, subject]);

    // An invitation and a password reset, each with a single-use token.
    let invitee = format!("invitee.{tag}@example.test");
    let path = format!("/api/organizations/{}/invite", admin.tenant_id);
    let response = admin.post(&path, &json!({"email": invitee, "role": "rep"})).await;
    assert_eq!(response.status, 202, "{}", response.body);
    let invitation = app.mail_to(&invitee, "token=", None).await;
    secrets.push(invitee);
    let response = anonymous
        .post("/api/auth/password-reset", &json!({"email": admin.email}))
        .await;
    assert_eq!(response.status, 202);
    let reset = app.mail_to(&admin.email, "/password-reset?token=", None).await;
    for mail in [invitation, reset] {
        secrets.push(clearview_tests::smtp::token_in(&mail).expect("a token"));
    }
    assert_eq!(admin.post("/api/auth/logout", &json!({})).await.status, 204);

    // Give the worker time to send (and log) the e-mails.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let log = server.log_text();
    assert!(log.lines().count() > 20, "the flows were logged: {log}");
    assert!(log.contains("\"tenant_id\""), "logs name the organization by id");
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "the log holds `{secret}`:\n{log}");
        let lowered = secret.to_lowercase();
        assert!(
            !log.to_lowercase().contains(&lowered),
            "the log holds `{secret}` (any case)"
        );
    }
}
