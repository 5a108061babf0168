//! GDPR: the personal data export, erasure of a person and deletion of a
//! whole organization (ADR 0011).

use clearview_tests::{TestApp, User, spawn_app};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery staple";

/// Signs `email` in to one organization explicitly.
async fn sign_in_to(app: &TestApp, email: &str, tenant: Uuid) -> User {
    let mut user = app.anonymous();
    let response = user
        .post(
            "/api/auth/login",
            &json!({"email": email, "password": PASSWORD, "organization_id": tenant}),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    user
}

/// Creates one row in every kind of table the API can fill.
async fn fill(user: &mut User, tag: &str) -> Uuid {
    let company = user.company(&format!("{tag} Co"), Some(&format!("{tag}.test"))).await;
    let contact = user
        .post(
            "/api/contacts",
            &json!({"first_name": tag, "last_name": "Person", "company_id": company}),
        )
        .await
        .id();
    let deal = user
        .post(
            "/api/deals",
            &json!({"title": format!("{tag} deal"), "amount": "10.00", "currency": "USD", "contact_ids": [contact]}),
        )
        .await;
    assert_eq!(deal.status, 201, "{}", deal.body);
    let activity = user
        .post(
            "/api/activities",
            &json!({"kind": "call", "subject": format!("{tag} call"), "deal_id": deal.id(), "contact_id": contact}),
        )
        .await;
    assert_eq!(activity.status, 201, "{}", activity.body);
    // A deleted company fills `trash`.
    let gone = user.company(&format!("{tag} Gone"), None).await;
    assert_eq!(user.delete(&format!("/api/companies/{gone}")).await.status, 204);
    contact
}

/// Every table with a `tenant_id` column, from the catalog.
async fn tenant_tables(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid \
         WHERE a.attname = 'tenant_id' AND c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace \
         ORDER BY 1",
    )
    .fetch_all(&app.owner)
    .await
    .unwrap()
}

async fn counts(app: &TestApp, tenant: Uuid) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for table in tenant_tables(app).await {
        let sql = format!("SELECT count(*) FROM {table} WHERE tenant_id = $1");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(tenant)
            .fetch_one(&app.owner)
            .await
            .unwrap();
        counts.insert(table, n);
    }
    counts
}

async fn scalar(app: &TestApp, sql: &'static str, id: Uuid) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(&app.owner).await.unwrap()
}

#[tokio::test]
async fn the_export_holds_the_callers_data_and_nothing_of_another_user_or_tenant() {
    let app = spawn_app().await;
    let mut a_admin = app.register("Acme").await;
    let mut b_admin = app.register("Beta").await;
    let mut colleague = app.member(&a_admin, "rep").await;
    app.add_membership(b_admin.tenant_id, a_admin.user_id, "viewer").await;
    let mine = a_admin.contact("Mine", "Own", Some("mine@x.test")).await;
    let theirs = colleague.contact("Theirs", "Other", Some("theirs@x.test")).await;
    let foreign = b_admin.contact("Foreign", "Tenant", Some("foreign@x.test")).await;
    let mut in_b = sign_in_to(&app, &a_admin.email, b_admin.tenant_id).await;
    let mine_in_b = in_b
        .post(
            "/api/contacts",
            &json!({"first_name": "Mine", "last_name": "In Beta", "owner_id": a_admin.user_id}),
        )
        .await;
    assert_eq!(
        mine_in_b.status, 403,
        "a viewer creates nothing; owned records in Beta come from an admin"
    );
    let handed = b_admin
        .post(
            "/api/contacts",
            &json!({"first_name": "Handed", "last_name": "Over", "owner_id": a_admin.user_id}),
        )
        .await;
    assert_eq!(handed.status, 201, "{}", handed.body);

    let export = a_admin.get("/api/users/me/export").await;
    assert_eq!(export.status, 200, "{}", export.body);
    let body = &export.json;
    assert_eq!(body["identity"]["email"], a_admin.email.as_str());
    assert_eq!(body["identity"]["name"], "Admin");
    assert!(body["identity"]["created_at"].is_string());
    let memberships: Vec<(String, String)> = body["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["organization_name"].as_str().unwrap().into(),
                m["role"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        memberships,
        [
            ("Acme".to_string(), "admin".to_string()),
            ("Beta".into(), "viewer".into())
        ]
    );
    let contacts: Vec<&Value> = body["owned_records"]["contacts"].as_array().unwrap().iter().collect();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["id"], mine.to_string());
    assert!(!export.body.contains(&theirs.to_string()), "another user's record");
    assert!(!export.body.contains(&foreign.to_string()), "another tenant's record");
    assert!(!export.body.contains(&colleague.user_id.to_string()), "another user");
    assert!(
        !export.body.contains(&b_admin.user_id.to_string()),
        "another tenant's user"
    );
    // Sessions: times only, never token material.
    let sessions = body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "the registration and the sign-in to Beta");
    assert!(
        sessions
            .iter()
            .all(|s| s["created_at"].is_string() && s["expires_at"].is_string())
    );
    for secret in a_admin.cookies.values() {
        assert!(!export.body.contains(secret.as_str()));
    }
    assert!(!export.body.contains("token_hash") && !export.body.contains("password"));
    // Audit entries: theirs only, this organization's at the top level and
    // each other organization's apart, with what they own there.
    let audit = body["audit_entries"].as_array().unwrap();
    assert!(!audit.is_empty());
    assert!(audit.iter().all(|e| e["actor_id"] == a_admin.user_id.to_string()));
    let others = body["other_organizations"].as_array().unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0]["organization_id"], b_admin.tenant_id.to_string());
    assert_eq!(
        others[0]["owned_records"]["contacts"][0]["id"], handed.json["id"],
        "a record they own in Beta"
    );
    let b_entries: Vec<String> =
        sqlx::query_scalar("SELECT id::text FROM audit_log WHERE tenant_id = $1 AND actor_id IS DISTINCT FROM $2")
            .bind(b_admin.tenant_id)
            .bind(a_admin.user_id)
            .fetch_all(&app.owner)
            .await
            .unwrap();
    assert!(
        b_entries.iter().all(|id| !export.body.contains(id.as_str())),
        "another person's entries in Beta"
    );
    let b_own: Vec<Value> = others[0]["audit_entries"].as_array().unwrap().clone();
    assert!(!b_own.is_empty(), "their own sign-in to Beta");
    assert!(b_own.iter().all(|e| e["actor_id"] == a_admin.user_id.to_string()));
}

#[tokio::test]
async fn erasure_deletes_the_identity_everywhere_keeps_records_ownerless_and_anonymises_the_trail() {
    let app = spawn_app().await;
    let mut a_admin = app.register("Acme").await;
    let b_admin = app.register("Beta").await;
    let mut rep = app.member(&a_admin, "rep").await;
    app.add_membership(b_admin.tenant_id, rep.user_id, "manager").await;
    let _in_b = sign_in_to(&app, &rep.email, b_admin.tenant_id).await;
    let contact = rep.contact("Kept", "Record", None).await;
    // An import that changes the rep's contact keeps a copy naming them.
    rep.contact("Imported", "Over", Some("over@x.test")).await;
    let done = clearview_tests::imports::import(
        &mut a_admin,
        "?mode=update",
        "first_name,last_name,email\nImported,Changed,over@x.test\n",
    )
    .await;
    assert_eq!(done["updated"], 1, "{done}");
    const COPIES: &str = "SELECT count(*) FROM import_changes WHERE previous->>'owner_id' = $1::text";
    assert_eq!(scalar(&app, COPIES, rep.user_id).await, 1);
    let entries_before = scalar(&app, "SELECT count(*) FROM audit_log WHERE actor_id = $1", rep.user_id).await;
    assert!(entries_before >= 2, "signed in to both organizations");
    let access = rep.cookies.clone();

    let erased = rep.delete("/api/users/me").await;
    assert_eq!(erased.status, 204, "{}", erased.body);
    for name in ["__Host-cv_access", "cv_refresh"] {
        assert!(erased.set_cookie(name).unwrap().contains("Max-Age=0"), "{name} cleared");
    }
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM users WHERE id = $1", rep.user_id).await,
        0
    );
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM memberships WHERE user_id = $1", rep.user_id).await,
        0
    );
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM sessions WHERE user_id = $1", rep.user_id).await,
        0
    );
    let owner: Option<Uuid> = sqlx::query_scalar("SELECT owner_id FROM contacts WHERE id = $1")
        .bind(contact)
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(owner, None, "the record stays, with no owner");
    assert_eq!(scalar(&app, COPIES, rep.user_id).await, 0, "no import copy names them");
    // The trail keeps every action, without the name (and the id now points
    // to nothing).
    let named: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE actor_name = 'A rep'")
        .fetch_one(&app.owner)
        .await
        .unwrap();
    assert_eq!(named, 0);
    for tenant in [a_admin.tenant_id, b_admin.tenant_id] {
        let (sign_ins, erasures): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE action = 'auth.sign_in' AND actor_id IS NULL AND actor_name IS NULL), \
                    count(*) FILTER (WHERE action = 'user.erased' AND target_id = $2) \
             FROM audit_log WHERE tenant_id = $1",
        )
        .bind(tenant)
        .bind(rep.user_id)
        .fetch_one(&app.owner)
        .await
        .unwrap();
        assert!(sign_ins >= 1, "the erased person's sign-in stays, anonymous");
        assert_eq!(erasures, 1, "the erasure is on record in each organization");
    }
    // The old cookies are dead and the person cannot sign in.
    let mut replay = app.anonymous();
    replay.cookies = access;
    assert_eq!(replay.get("/api/auth/me").await.status, 401);
    let login = app
        .anonymous()
        .post("/api/auth/login", &json!({"email": rep.email, "password": PASSWORD}))
        .await;
    assert_eq!(login.status, 401);
    // The admin is untouched: their organization's creation and the import.
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM audit_log WHERE actor_id = $1 AND actor_name = 'Admin'",
            a_admin.user_id
        )
        .await,
        2
    );
}

#[tokio::test]
async fn the_last_admin_of_an_organization_with_other_members_cannot_leave_and_nothing_changes() {
    let app = spawn_app().await;
    let mut admin = app.register("Acme").await;
    let _rep = app.member(&admin, "rep").await;
    let before = counts(&app, admin.tenant_id).await;
    let response = admin.delete("/api/users/me").await;
    assert_eq!(response.status, 409, "{}", response.body);
    assert_eq!(counts(&app, admin.tenant_id).await, before, "nothing changed");
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM users WHERE id = $1", admin.user_id).await,
        1
    );
    assert_eq!(admin.get("/api/auth/me").await.status, 200, "still signed in");

    // With a second admin, the first may go.
    let second = app.member(&admin, "viewer").await;
    app.owner_exec(
        "UPDATE memberships SET role = 'admin' WHERE user_id = $1",
        second.user_id,
    )
    .await;
    assert_eq!(admin.delete("/api/users/me").await.status, 204);
}

#[tokio::test]
async fn deleting_an_organization_erases_every_row_of_it_in_every_table_and_nothing_else() {
    let app = spawn_app().await;
    let mut doomed = app.register("Doomed Inc").await;
    let mut kept = app.register("Kept Ltd").await;
    let mut doomed_rep = app.member(&doomed, "rep").await;
    let _kept_rep = app.member(&kept, "rep").await;
    fill(&mut doomed, "d").await;
    fill(&mut doomed_rep, "dr").await;
    fill(&mut kept, "k").await;
    // An import fills `imports`, `import_chunks`, `import_errors` and `import_changes`.
    clearview_tests::imports::fill_import_tables(&app, &mut doomed, "d").await;
    clearview_tests::imports::fill_import_tables(&app, &mut kept, "k").await;
    // An invitation fills `invitations` and (its e-mail) `jobs`.
    for (admin, tag) in [(&mut doomed, "d"), (&mut kept, "k")] {
        let path = format!("/api/organizations/{}/invite", admin.tenant_id);
        let invited = admin
            .post(&path, &json!({"email": format!("{tag}-invitee@x.test"), "role": "rep"}))
            .await;
        assert_eq!(invited.status, 202, "{}", invited.body);
        let key = admin.post("/api/api-keys", &json!({"name": tag, "role": "rep"})).await;
        assert_eq!(key.status, 201, "{}", key.body);
        clearview_tests::webhook_receiver::fill_webhook_tables(&app, admin.tenant_id).await;
        clearview_tests::mfa::fill_mfa_tables(&app, admin).await;
        let rates = admin
            .put(
                "/api/exchange-rates",
                &json!({"rates": [{"currency": "EUR", "date": "2026-01-01", "rate": "1.1"}]}),
            )
            .await;
        assert_eq!(rates.status, 200, "{}", rates.body);
        // A forecast snapshot (the weekly schedule's) fills `forecast_snapshots`.
        clearview_tests::reports::fill_forecast_snapshots(&app, admin.tenant_id).await;
        clearview_tests::custom_fields::fill_custom_field_tables(admin, tag).await;
        clearview_tests::scim::fill_scim_tables(admin, tag).await;
        clearview_tests::oidc::fill_sso_tables(&app, admin.tenant_id).await;
        let view = admin.post("/api/views", &json!({"entity": "deal", "name": tag})).await;
        assert_eq!(view.status, 201, "{}", view.body);
    }
    // A person in both organizations keeps their identity and other membership.
    app.add_membership(kept.tenant_id, doomed_rep.user_id, "viewer").await;
    let _ = sign_in_to(&app, &doomed_rep.email, kept.tenant_id).await;
    let kept_before = counts(&app, kept.tenant_id).await;
    let doomed_before = counts(&app, doomed.tenant_id).await;
    for (table, n) in &doomed_before {
        // A sign-up row lives only while its organization has no member
        // (confirming deletes it), so an organization with members has none.
        if table == "signups" {
            continue;
        }
        assert!(*n > 0, "{table} has rows of the doomed tenant to delete");
    }

    let path = format!("/api/organizations/{}", doomed.tenant_id);
    let wrong = doomed
        .send(
            reqwest::Method::DELETE,
            &path,
            Some(&json!({"confirm": "doomed inc"})),
            &[],
        )
        .await;
    assert_eq!(
        wrong.status, 409,
        "a confirmation that does not match the name conflicts with it"
    );
    assert_eq!(wrong.error_fields(), ["confirm"]);
    let not_admin = doomed_rep
        .send(
            reqwest::Method::DELETE,
            &path,
            Some(&json!({"confirm": "Doomed Inc"})),
            &[],
        )
        .await;
    assert_eq!(not_admin.status, 403);
    let other_tenant = kept
        .send(
            reqwest::Method::DELETE,
            &path,
            Some(&json!({"confirm": "Doomed Inc"})),
            &[],
        )
        .await;
    assert_eq!(other_tenant.status, 404);
    let unknown = doomed
        .send(
            reqwest::Method::DELETE,
            &path,
            Some(&json!({"confirm": "Doomed Inc", "force": true})),
            &[],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(
        counts(&app, doomed.tenant_id).await,
        doomed_before,
        "refusals change nothing"
    );

    let deleted = doomed
        .send(
            reqwest::Method::DELETE,
            &path,
            Some(&json!({"confirm": "Doomed Inc"})),
            &[],
        )
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    for (table, n) in counts(&app, doomed.tenant_id).await {
        assert_eq!(n, 0, "{table} still holds rows of the deleted tenant");
    }
    let kept_after = counts(&app, kept.tenant_id).await;
    // Kept's own trail grew by nothing: every row intact, table by table.
    assert_eq!(kept_after, kept_before);
    // The admin belonged nowhere else: their identity is erased with the
    // organization. The rep keeps their other membership and can sign in.
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM users WHERE id = $1", doomed.user_id).await,
        0
    );
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM users WHERE id = $1", doomed_rep.user_id).await,
        1
    );
    let _ = sign_in_to(&app, &doomed_rep.email, kept.tenant_id).await;
    // The deleted organization's sessions are dead at once.
    assert_eq!(doomed.get("/api/auth/me").await.status, 401);
    assert_eq!(doomed_rep.get("/api/contacts").await.status, 401);
}

#[tokio::test]
async fn erasure_removes_invitations_and_queued_emails_to_the_person_everywhere_and_a_sole_member_deletes_the_organization_first()
 {
    let app = clearview_tests::spawn_app_with(clearview_tests::AppOptions {
        embedded_worker: false,
        ..clearview_tests::AppOptions::default()
    })
    .await
    .unwrap();
    let a = app.register("Alpha").await;
    let mut b = app.register("Beta").await;
    let mut rep = app.member(&a, "rep").await;
    // Beta invites the rep's address: an invitation and a queued e-mail.
    let invite = format!("/api/organizations/{}/invite", b.tenant_id);
    let invited = b
        .post(&invite, &json!({"email": rep.email.to_uppercase(), "role": "rep"}))
        .await;
    assert_eq!(invited.status, 202, "{}", invited.body);
    let address = rep.email.clone();
    let traces = |sql: &'static str| {
        let email = address.clone();
        let owner = app.owner.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(email)
                .fetch_one(&owner)
                .await
                .unwrap()
        }
    };
    const INVITATIONS: &str = "SELECT count(*) FROM invitations WHERE lower(email) = lower($1)";
    const JOBS: &str = "SELECT count(*) FROM jobs WHERE recipient_digest = sha256(convert_to(lower($1), 'UTF8'))";
    assert_eq!((traces(INVITATIONS).await, traces(JOBS).await), (1, 1));

    // Beta's admin is its only member: erasing them would strand its data.
    let alone = b.delete("/api/users/me").await;
    assert_eq!(alone.status, 409, "{}", alone.body);
    assert!(
        alone.json["detail"]
            .as_str()
            .unwrap()
            .contains("delete the organization first")
    );

    assert_eq!(rep.delete("/api/users/me").await.status, 204);
    assert_eq!(
        (traces(INVITATIONS).await, traces(JOBS).await),
        (0, 0),
        "nothing addressed to the person is left in any organization"
    );
}
