//! Tenant isolation over HTTP: tenant B's ids from tenant A's session get
//! 404 on every route, and change nothing.

use clearview_tests::{TestApp, User, spawn_app};
use serde_json::{Value, json};
use uuid::Uuid;

struct Victim {
    user: User,
    contact: Uuid,
    company: Uuid,
}

async fn victim(app: &TestApp) -> Victim {
    let mut user = app.register("Victim Co").await;
    let company = user.company("Victim Customer", Some("victim.example")).await;
    let contact = user
        .post(
            "/api/contacts",
            &json!({"first_name": "Secret", "last_name": "Person", "email": "secret@victim.example", "company_id": company}),
        )
        .await
        .id();
    Victim { user, contact, company }
}

/// Every contact and company row of a tenant, as JSON.
async fn snapshot(app: &TestApp, tenant: Uuid) -> Vec<Value> {
    let mut tables = Vec::new();
    for sql in [
        "SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY id), '[]') FROM contacts t WHERE tenant_id = $1",
        "SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY id), '[]') FROM companies t WHERE tenant_id = $1",
    ] {
        tables.push(
            sqlx::query_scalar(sql)
                .bind(tenant)
                .fetch_one(&app.owner)
                .await
                .unwrap(),
        );
    }
    tables
}

#[tokio::test]
async fn every_id_route_answers_404_for_another_tenants_records_and_changes_nothing() {
    let app = spawn_app().await;
    let victim = victim(&app).await;
    let before = snapshot(&app, victim.user.tenant_id).await;
    let mut attacker = app.register("Attacker Inc").await;

    let contact = format!("/api/contacts/{}", victim.contact);
    let company = format!("/api/companies/{}", victim.company);
    let contact_body = json!({"first_name": "Owned", "last_name": "Now"});
    let company_body = json!({"name": "Owned"});
    let attempts = [
        attacker.get(&contact).await,
        attacker.put(&contact, &contact_body).await,
        attacker.patch(&contact, &json!({"first_name": "Owned"})).await,
        attacker.delete(&contact).await,
        attacker.get(&company).await,
        attacker.put(&company, &company_body).await,
        attacker.patch(&company, &company_body).await,
        attacker.delete(&company).await,
        attacker.get(&format!("{company}/contacts")).await,
    ];
    for (i, response) in attempts.iter().enumerate() {
        assert_eq!(response.status, 404, "attempt {i}: {}", response.body);
        assert!(!response.body.contains("Secret"), "attempt {i} leaked data");
    }
    assert_eq!(snapshot(&app, victim.user.tenant_id).await, before);
}

#[tokio::test]
async fn lists_and_filters_never_show_another_tenants_rows() {
    let app = spawn_app().await;
    let victim = victim(&app).await;
    let mut attacker = app.register("Attacker Inc").await;
    attacker.contact("Own", "Contact", None).await;

    for path in [
        "/api/contacts".to_owned(),
        "/api/contacts?q=secret".to_owned(),
        format!("/api/contacts?company_id={}", victim.company),
        format!("/api/contacts?owner_id={}", victim.user.user_id),
        "/api/companies?q=victim".to_owned(),
        "/api/contacts/export".to_owned(),
        "/api/contacts/export?q=secret".to_owned(),
        format!("/api/contacts/export?company_id={}", victim.company),
        format!("/api/contacts/export?owner_id={}", victim.user.user_id),
        "/api/companies/export?q=victim".to_owned(),
        format!("/api/deals/export?company_id={}", victim.company),
    ] {
        let response = attacker.get(&path).await;
        assert_eq!(response.status, 200, "{path}");
        assert!(
            !response.body.contains("Secret") && !response.body.contains("Victim"),
            "{path} leaked"
        );
    }
    assert_eq!(
        attacker.get("/api/contacts").await.json["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn references_to_another_tenants_company_or_member_are_404_and_write_nothing() {
    let app = spawn_app().await;
    let victim = victim(&app).await;
    let mut attacker = app.register("Attacker Inc").await;
    let own = attacker.contact("Own", "Contact", None).await;

    let create = attacker
        .post(
            "/api/contacts",
            &json!({"first_name": "A", "last_name": "B", "company_id": victim.company}),
        )
        .await;
    assert_eq!(create.status, 404);
    let repoint = attacker
        .patch(&format!("/api/contacts/{own}"), &json!({"company_id": victim.company}))
        .await;
    assert_eq!(repoint.status, 404);
    let reassign = attacker
        .patch(
            &format!("/api/contacts/{own}"),
            &json!({"owner_id": victim.user.user_id}),
        )
        .await;
    assert_eq!(reassign.status, 404);

    let stored: Vec<(Option<Uuid>, Option<Uuid>)> =
        sqlx::query_as("SELECT company_id, owner_id FROM contacts WHERE tenant_id = $1")
            .bind(attacker.tenant_id)
            .fetch_all(&app.owner)
            .await
            .unwrap();
    assert_eq!(stored, [(None, Some(attacker.user_id))]);
}

#[tokio::test]
async fn the_same_email_and_domain_may_exist_in_two_organizations() {
    let app = spawn_app().await;
    let victim = victim(&app).await;
    let mut other = app.register("Other Co").await;
    other.contact("Secret", "Twin", Some("SECRET@victim.example")).await;
    other.company("Twin", Some("victim.example")).await;
    drop(victim);
}
