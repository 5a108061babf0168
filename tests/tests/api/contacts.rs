//! Contacts and companies: the CRUD contract, validation and duplicates.

use clearview_tests::spawn_app;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn a_contact_is_created_read_replaced_patched_and_deleted() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let company = admin.company("Navy", Some("https://www.navy.mil/about")).await;

    let created = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.mil",
                    "phone": "+1 202 555 0100", "title": "Rear Admiral", "company_id": company}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.id();
    assert_eq!(created.header("location").unwrap(), format!("/api/contacts/{id}"));
    assert_eq!(
        created.json["owner_id"],
        admin.user_id.to_string(),
        "the creator owns it"
    );

    let read = admin.get(&format!("/api/contacts/{id}")).await;
    assert_eq!(read.json["company_id"], company.to_string());

    // PATCH: absent keeps, null clears, a value changes.
    let patched = admin
        .patch(
            &format!("/api/contacts/{id}"),
            &json!({"title": null, "first_name": "Amazing Grace"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.json["title"], serde_json::Value::Null);
    assert_eq!(patched.json["first_name"], "Amazing Grace");
    assert_eq!(patched.json["email"], "grace@navy.mil");

    // PUT replaces every settable field: what is left out is cleared.
    let replaced = admin
        .put(
            &format!("/api/contacts/{id}"),
            &json!({"first_name": "Grace", "last_name": "Hopper"}),
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.json["email"], serde_json::Value::Null);
    assert_eq!(replaced.json["company_id"], serde_json::Value::Null);

    assert_eq!(admin.delete(&format!("/api/contacts/{id}")).await.status, 204);
    assert_eq!(admin.get(&format!("/api/contacts/{id}")).await.status, 404);
    assert_eq!(admin.delete(&format!("/api/contacts/{id}")).await.status, 404);
}

#[tokio::test]
async fn validation_errors_name_each_field() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let response = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "", "last_name": "Hopper", "email": "grace", "phone": "call me"}),
        )
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["first_name", "email", "phone"]);

    let response = admin.post("/api/contacts", &json!({"last_name": "Hopper"})).await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["first_name"]);

    let id = admin.contact("Grace", "Hopper", None).await;
    let response = admin
        .patch(&format!("/api/contacts/{id}"), &json!({"last_name": null}))
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["last_name"]);

    let response = admin
        .post("/api/companies", &json!({"name": "Acme", "domain": "not a domain"}))
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["domain"]);
}

#[tokio::test]
async fn read_only_and_unknown_fields_are_refused_not_ignored() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let forged = Uuid::now_v7();
    let response = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "A", "last_name": "B", "id": forged}),
        )
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["id"]);
    assert!(response.body.contains("read-only"));

    let response = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "A", "last_name": "B", "tenant_id": forged}),
        )
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["tenant_id"]);

    let id = admin.contact("A", "B", None).await;
    let response = admin
        .patch(&format!("/api/contacts/{id}"), &json!({"frist_name": "typo"}))
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.error_fields(), ["frist_name"]);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn emails_are_unique_per_organization_ignoring_case_and_the_conflict_names_the_existing_contact() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let first = admin.contact("Grace", "Hopper", Some("grace@navy.mil")).await;
    let response = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "G", "last_name": "H", "email": "GRACE@Navy.mil"}),
        )
        .await;
    assert_eq!(response.status, 409);
    assert_eq!(response.json["existing_id"], first.to_string());

    let other = admin.contact("Other", "Person", Some("other@navy.mil")).await;
    let response = admin
        .patch(&format!("/api/contacts/{other}"), &json!({"email": "grace@NAVY.mil"}))
        .await;
    assert_eq!(response.status, 409);

    let company = admin.company("Navy", Some("navy.mil")).await;
    let response = admin
        .post("/api/companies", &json!({"name": "US Navy", "domain": "NAVY.MIL"}))
        .await;
    assert_eq!(response.status, 409);
    assert_eq!(response.json["existing_id"], company.to_string());
}

#[tokio::test]
async fn a_reference_to_a_company_that_does_not_exist_is_404_and_writes_nothing() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let response = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "A", "last_name": "B", "company_id": Uuid::now_v7()}),
        )
        .await;
    assert_eq!(response.status, 404);
    assert_eq!(response.error_fields(), ["company_id"]);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM contacts")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn deleting_a_company_keeps_its_contacts_without_a_company() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let company = admin.company("Navy", None).await;
    let contact = admin
        .post(
            "/api/contacts",
            &json!({"first_name": "A", "last_name": "B", "company_id": company}),
        )
        .await
        .id();
    let listed = admin.get(&format!("/api/companies/{company}/contacts")).await;
    assert_eq!(listed.json["data"].as_array().unwrap().len(), 1);
    assert_eq!(admin.delete(&format!("/api/companies/{company}")).await.status, 204);
    let read = admin.get(&format!("/api/contacts/{contact}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json["company_id"], serde_json::Value::Null);
}

#[tokio::test]
async fn search_matches_prefixes_and_substrings_of_names_and_emails_and_filters_combine() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let navy = admin.company("Navy", None).await;
    admin.contact("Grace", "Hopper", Some("grace@navy.mil")).await;
    admin.contact("Ada", "Lovelace", Some("ada@engine.uk")).await;
    admin
        .post(
            "/api/contacts",
            &json!({"first_name": "Alan", "last_name": "Turing", "company_id": navy}),
        )
        .await;

    let names = |r: &clearview_tests::Response| -> Vec<String> {
        let mut names: Vec<String> = r.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["last_name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&admin.get("/api/contacts?q=a").await), ["Lovelace", "Turing"]);
    assert_eq!(names(&admin.get("/api/contacts?q=HOP").await), ["Hopper"]);
    assert_eq!(names(&admin.get("/api/contacts?q=ngine").await), ["Lovelace"]);
    assert_eq!(names(&admin.get("/api/contacts?q=lo").await), ["Lovelace"]);
    assert_eq!(names(&admin.get("/api/contacts?q=%25").await), Vec::<String>::new());
    assert_eq!(
        names(&admin.get(&format!("/api/contacts?company_id={navy}")).await),
        ["Turing"]
    );
    assert_eq!(
        names(&admin.get(&format!("/api/contacts?q=a&company_id={navy}")).await),
        ["Turing"]
    );
    let owner = admin.user_id;
    assert_eq!(
        names(&admin.get(&format!("/api/contacts?owner_id={owner}")).await).len(),
        3
    );
}
