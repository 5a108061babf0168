//! The HTTP conventions of design/api.md: content types, sizes, problem
//! bodies, request ids, the Origin check and the OpenAPI document.

use clearview_tests::{AppOptions, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn every_response_carries_a_request_id_that_problems_repeat() {
    let app = spawn_app().await;
    let mut anon = app.anonymous();
    let ok = anon.get("/healthz").await;
    assert!(ok.header("x-request-id").is_some());
    let problem = anon.get("/api/contacts").await;
    assert_eq!(problem.status, 401);
    assert_eq!(problem.header("content-type").unwrap(), "application/problem+json");
    assert_eq!(
        problem.json["request_id"].as_str().unwrap(),
        problem.header("x-request-id").unwrap()
    );
    for member in ["type", "title", "status", "detail"] {
        assert!(!problem.json[member].is_null(), "problem lacks {member}");
    }
    let unknown = anon.get("/api/no-such-thing").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.header("content-type").unwrap(), "application/problem+json");
}

#[tokio::test]
async fn bodies_must_be_json_well_formed_and_within_the_limit() {
    let app = spawn_app_with(AppOptions {
        max_body_bytes: 4096,
        ..AppOptions::default()
    })
    .await
    .unwrap();
    let mut admin = app.register("Acme").await;
    let wrong_type = admin
        .send(Method::POST, "/api/contacts", None, &[("content-type", "text/plain")])
        .await;
    assert_eq!(wrong_type.status, 415);

    let url = format!("{}/api/contacts", app.address);
    let cookie = format!("__Host-cv_access={}", admin.cookies["__Host-cv_access"]);
    let malformed = app
        .http
        .post(&url)
        .header("content-type", "application/json")
        .header("cookie", &cookie)
        .body("{\"first_name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status().as_u16(), 400);

    let huge = json!({"first_name": "A".repeat(5000), "last_name": "B"});
    assert_eq!(admin.post("/api/contacts", &huge).await.status, 413);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn unsafe_requests_from_a_foreign_origin_are_refused() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let body = json!({"first_name": "A", "last_name": "B"});
    let foreign = admin
        .send(
            Method::POST,
            "/api/contacts",
            Some(&body),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(foreign.status, 403);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(count, 0);

    let allowed = admin
        .send(
            Method::POST,
            "/api/contacts",
            Some(&body),
            &[("origin", "http://127.0.0.1:8080")],
        )
        .await;
    assert_eq!(allowed.status, 201);
    let read = admin
        .send(
            Method::GET,
            "/api/contacts",
            None,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(read.status, 200, "safe methods are not blocked");
}

#[tokio::test]
async fn every_documented_route_exists_and_every_route_is_documented() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let doc = admin.get("/api/openapi.json").await;
    assert_eq!(doc.status, 200);
    let paths = doc.json["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    documented.sort();
    let mut expected = vec![
        "POST /api/auth/register",
        "POST /api/auth/verify-email",
        "GET /api/organizations/{id}",
        "PATCH /api/organizations/{id}",
        "GET /api/contacts/{id}/deals",
        "GET /api/companies/{id}/deals",
        "GET /api/pipelines",
        "POST /api/pipelines",
        "GET /api/pipelines/{id}",
        "PATCH /api/pipelines/{id}",
        "DELETE /api/pipelines/{id}",
        "GET /api/pipelines/{id}/deals",
        "POST /api/pipelines/{pipeline_id}/stages",
        "PUT /api/pipelines/{pipeline_id}/stages/order",
        "PATCH /api/pipelines/{pipeline_id}/stages/{stage_id}",
        "DELETE /api/pipelines/{pipeline_id}/stages/{stage_id}",
        "GET /api/deals",
        "POST /api/deals",
        "GET /api/deals/{id}",
        "PUT /api/deals/{id}",
        "PATCH /api/deals/{id}",
        "DELETE /api/deals/{id}",
        "GET /api/deals/{id}/history",
        "GET /api/deals/{id}/activities",
        "GET /api/reports/forecast",
        "POST /api/auth/password-reset",
        "POST /api/auth/password-reset/confirm",
        "POST /api/invitations/accept",
        "GET /api/organizations/{id}/members",
        "PATCH /api/organizations/{id}/members/{user_id}",
        "DELETE /api/organizations/{id}/members/{user_id}",
        "POST /api/organizations/{id}/invite",
        "GET /api/organizations/{id}/invitations",
        "DELETE /api/organizations/{id}/invitations/{invitation_id}",
        "GET /api/jobs",
        "POST /api/jobs/{id}/retry",
        "POST /api/api-keys",
        "GET /api/api-keys",
        "DELETE /api/api-keys/{id}",
        "POST /api/webhooks",
        "GET /api/webhooks",
        "DELETE /api/webhooks/{id}",
        "GET /api/webhooks/{id}/deliveries",
        "POST /api/webhooks/{id}/deliveries/{delivery_id}/redeliver",
        "POST /api/webhooks/{id}/rotate-secret",
        "POST /api/webhooks/{id}/enable",
        "POST /api/auth/login",
        "POST /api/auth/refresh",
        "POST /api/auth/logout",
        "GET /api/auth/me",
        "GET /api/contacts",
        "GET /api/contacts/export",
        "GET /api/companies/export",
        "GET /api/deals/export",
        "POST /api/contacts",
        "GET /api/contacts/{id}",
        "PUT /api/contacts/{id}",
        "PATCH /api/contacts/{id}",
        "DELETE /api/contacts/{id}",
        "POST /api/contacts/import",
        "GET /api/imports",
        "GET /api/imports/{id}",
        "GET /api/imports/{id}/errors.csv",
        "POST /api/imports/{id}/undo",
        "GET /api/companies",
        "POST /api/companies",
        "GET /api/companies/{id}",
        "PUT /api/companies/{id}",
        "PATCH /api/companies/{id}",
        "DELETE /api/companies/{id}",
        "GET /api/companies/{id}/contacts",
        "GET /api/activities",
        "POST /api/activities",
        "GET /api/activities/{id}",
        "PATCH /api/activities/{id}",
        "DELETE /api/activities/{id}",
        "GET /api/contacts/{id}/activities",
        "GET /api/companies/{id}/activities",
        "GET /healthz",
        "GET /readyz",
        "GET /api/openapi.json",
        "GET /api/audit-log",
        "GET /api/audit-log/verify",
        "GET /api/users/me/export",
        "DELETE /api/users/me",
        "DELETE /api/organizations/{id}",
        "GET /api/auth/mfa",
        "POST /api/auth/mfa/totp",
        "POST /api/auth/mfa/totp/confirm",
        "POST /api/auth/mfa/totp/disable",
        "POST /api/auth/mfa/verify",
        "GET /api/views",
        "POST /api/views",
        "PATCH /api/views/{id}",
        "DELETE /api/views/{id}",
        "GET /api/custom-fields",
        "POST /api/custom-fields",
        "PATCH /api/custom-fields/{id}",
        "DELETE /api/custom-fields/{id}",
        "GET /api/exchange-rates",
        "PUT /api/exchange-rates",
        "POST /api/exchange-rates/import",
        "GET /api/trash",
        "DELETE /api/trash/{id}",
        "POST /api/contacts/{id}/restore",
        "POST /api/companies/{id}/restore",
        "POST /api/deals/{id}/restore",
        "POST /api/activities/{id}/restore",
        "GET /api/contacts/duplicates",
        "GET /api/companies/duplicates",
        "POST /api/contacts/merge",
        "POST /api/companies/merge",
        "GET /api/reports/win-rate",
        "GET /api/reports/sales-cycle",
        "GET /api/reports/funnel",
        "GET /api/reports/velocity",
        "GET /api/reports/activity",
        "GET /api/reports/rotting",
        "GET /api/reports/forecast-accuracy",
        "GET /api/scim/token",
        "POST /api/scim/token",
        "DELETE /api/scim/token",
        "GET /api/auth/oidc/{organization_id}/start",
        "GET /api/auth/oidc/callback",
        "GET /api/organizations/{id}/sso",
        "PUT /api/organizations/{id}/sso",
        "DELETE /api/organizations/{id}/sso",
        "GET /scim/v2/ServiceProviderConfig",
        "GET /scim/v2/Schemas",
        "GET /scim/v2/Schemas/{id}",
        "GET /scim/v2/ResourceTypes",
        "GET /scim/v2/ResourceTypes/{id}",
        "POST /scim/v2/.search",
        "GET /scim/v2/Users",
        "POST /scim/v2/Users",
        "POST /scim/v2/Users/.search",
        "GET /scim/v2/Users/{id}",
        "PUT /scim/v2/Users/{id}",
        "PATCH /scim/v2/Users/{id}",
        "DELETE /scim/v2/Users/{id}",
        "GET /scim/v2/Groups",
        "POST /scim/v2/Groups",
        "POST /scim/v2/Groups/.search",
        "GET /scim/v2/Groups/{id}",
        "PUT /scim/v2/Groups/{id}",
        "PATCH /scim/v2/Groups/{id}",
        "DELETE /scim/v2/Groups/{id}",
    ];
    expected.sort();
    assert_eq!(documented, expected);

    // Each documented route is served: nothing answers "no such route".
    for route in &documented {
        // The sign-on callback answers every request with a redirect to the
        // web app, which this client follows (tests/api/oidc.rs covers it).
        if route == "GET /api/auth/oidc/callback" {
            continue;
        }
        let (method, path) = route.split_once(' ').unwrap();
        let path = path
            .replace("{id}", &Uuid::now_v7().to_string())
            .replace("{stage_id}", &Uuid::now_v7().to_string())
            .replace("{user_id}", &Uuid::now_v7().to_string())
            .replace("{invitation_id}", &Uuid::now_v7().to_string())
            .replace("{organization_id}", &Uuid::now_v7().to_string());
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
        let response = admin.send(method, &path, body.as_ref(), &[]).await;
        assert_ne!(
            response.json["detail"], "no such route",
            "{route} is documented but not served"
        );
        assert_ne!(response.status, 405, "{route}");
    }
}

#[tokio::test]
async fn a_method_the_path_does_not_have_is_405_with_allow() {
    let app = clearview_tests::spawn_app().await;
    let mut admin = app.register("Acme").await;
    let put = admin
        .send(reqwest::Method::PUT, "/api/contacts", Some(&serde_json::json!({})), &[])
        .await;
    assert_eq!(put.status, 405, "{}", put.body);
    assert_eq!(put.header("allow").as_deref(), Some("GET, POST"));
    assert_eq!(put.header("content-type").as_deref(), Some("application/problem+json"));
    let id = admin.contact("Grace", "Hopper", None).await;
    let post = admin
        .send(
            reqwest::Method::POST,
            &format!("/api/contacts/{id}"),
            Some(&serde_json::json!({})),
            &[],
        )
        .await;
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow").as_deref(), Some("DELETE, GET, PATCH, PUT"));
    assert_eq!(admin.get("/api/no-such-thing").await.status, 404);
}
